"""The AWS API endpoint (:4566): route once, before-hooks, moto, after-hooks.

Every AWS client (boto3, the aws CLI, the Lambda workers, the browser) talks to this one
ASGI app. Each request is parsed once into (service, operation) by `core.router`; the
authorization stage (`iam.enforce`: SigV4 and IAM policies, every service but S3) runs
first; the registered services' before-hooks add what moto does not check (S3's
signatures and policies, per-user identity-pool credentials) or answer what moto cannot (our Lambda
runtime's Invoke); anything they pass on is answered by moto in-process; after-hooks then
see the answer (events a write causes, response headers). Successful writes mark the state
dirty so it is saved; reads never do.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.errors import aws_error
from stratus.local.core.hooks import HookTable
from stratus.local.core.registry import BeforeHook
from stratus.local.core.router import route

log = logging.getLogger("stratus.aws")
# The request moto is answering: code called from inside moto (e.g. the event sources that
# moto's models signal) reads who asked and from where.
CURRENT_CALL: ContextVar[AwsCall | None] = ContextVar("stratus_current_call", default=None)

Forward = Callable[[AwsRequest], Awaitable[Response]]

# The largest request body the endpoint accepts; S3 single PUT is capped at 5 GB by AWS,
# a local emulator has no reason to buffer more than this in memory.
MAX_BODY_BYTES = 512 * 1024 * 1024


def to_aws_request(scope: Scope, body: bytes) -> AwsRequest:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    raw_path = scope.get("raw_path") or scope["path"].encode()
    client = scope.get("client") or ("127.0.0.1", 0)
    return AwsRequest(
        method=scope["method"],
        path=scope["path"],
        raw_path=raw_path.decode("latin-1"),
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
        client_host=client[0],
        scheme=str(scope.get("scheme") or "http"),
    )


class FrontDoor:
    """ASGI app: path routes, then per request: before-hooks, moto, after-hooks."""

    def __init__(
        self,
        moto: Forward,
        *,
        hooks: HookTable | None = None,
        on_mutation: Callable[[AwsCall], None] | None = None,
        authorize: BeforeHook | None = None,
    ) -> None:
        self._moto = moto
        self.hooks = hooks or HookTable()
        self._on_mutation = on_mutation
        # The authorization stage (iam.enforce): runs before every service's before-hooks,
        # so what a hook answers itself (Lambda's Invoke) is authorized like the rest.
        self.authorize = authorize

    async def forward_to_moto(self, request: AwsRequest) -> Response:
        return await self._moto(request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await Request(scope, receive).body()
        if len(body) > MAX_BODY_BYTES:
            response: Response = aws_error(
                "json", "RequestEntityTooLarge", "request body too large", 413
            )
            await response(scope, receive, send)
            return
        response = await self.answer(to_aws_request(scope, body))
        await response(scope, receive, send)

    async def answer(self, request: AwsRequest) -> Response:
        """What the endpoint answers a request, as over its socket (a failure is a 500 in
        the log, never a stack trace): in-process callers such as DAX use this directly."""
        try:
            return await self.handle(request)
        except Exception:  # never a stack trace to a client; the log has it
            log.exception("AWS endpoint failed on %s %s", request.method, request.path)
            return aws_error(
                "json", "InternalFailure", "local AWS endpoint error (see stratus up log)", 500
            )

    async def handle(self, request: AwsRequest) -> Response:
        """One request, already read: what the endpoint answers."""
        path_handler = self.hooks.path_handler(request)
        if path_handler is not None:
            answer = await path_handler(request)
            if answer is not None:
                return answer
        call = route(request)
        response: Response | None = None
        if self.authorize is not None:
            response = await self.authorize(call)
            if response is not None:
                return response
        for before in self.hooks.before(call):
            response = await before(call)
            if response is not None:
                break
        if response is None:
            token = CURRENT_CALL.set(call)  # moto's worker thread sees it (context is copied)
            try:
                response = await self._moto(request)
            finally:
                CURRENT_CALL.reset(token)
        if response.status_code < 400:
            for after in self.hooks.after(call):
                try:
                    await after(call, response)
                except Exception:  # an event that fails to go out must not fail the write
                    log.exception("after-hook failed on %s.%s", call.service, call.operation)
            if self._on_mutation is not None and is_mutation(call):
                self._on_mutation(call)
        return response


def is_mutation(call: AwsCall) -> bool:
    """Whether a request may change state (so a save is due). Reads never are."""
    if call.request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if call.operation is None:
        return True  # unknown: assume it writes rather than lose it
    return not call.is_read


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
