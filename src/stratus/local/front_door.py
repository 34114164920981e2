"""The AWS API endpoint (:4566): interceptors first, then moto.

Every AWS client (boto3, the aws CLI, the Lambda workers, the browser) talks to this one
ASGI app. The interceptors add what moto does not check (signatures, identity policies,
per-user identity-pool credentials, the Invoke API of our own Lambda runtime); anything
they pass on is answered by moto in-process. Mutating calls mark the state dirty so the
snapshotter saves it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from stratus.local.aws_request import AwsRequest
from stratus.local.contracts import AwsInterceptor

log = logging.getLogger("stratus.aws")

Forward = Callable[[AwsRequest], Awaitable[Response]]
# Adds headers to a response moto produced (e.g. S3 CORS): (request, response) -> None
ResponseDecorator = Callable[[AwsRequest, Response], None]

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
    )


class FrontDoor:
    """ASGI app: run interceptors in order; the first Response wins; else moto answers."""

    def __init__(
        self,
        moto: Forward,
        *,
        interceptors: Sequence[AwsInterceptor] = (),
        decorators: Sequence[ResponseDecorator] = (),
        on_mutation: Callable[[], None] | None = None,
    ) -> None:
        self._moto = moto
        self.interceptors: list[AwsInterceptor] = list(interceptors)
        self.decorators: list[ResponseDecorator] = list(decorators)
        self._on_mutation = on_mutation

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
            response: Response = JSONResponse(
                {"__type": "RequestEntityTooLarge", "message": "request body too large"}, 413
            )
            await response(scope, receive, send)
            return
        request = to_aws_request(scope, body)
        try:
            response = await self._dispatch(request)
        except Exception:  # never a stack trace to a client; the log has it
            log.exception("AWS endpoint failed on %s %s", request.method, request.path)
            response = JSONResponse(
                {
                    "__type": "InternalFailure",
                    "message": "local AWS endpoint error (see stratus up log)",
                },
                500,
            )
        await response(scope, receive, send)

    async def _dispatch(self, request: AwsRequest) -> Response:
        for interceptor in self.interceptors:
            answer = await interceptor(request)
            if answer is not None:
                self._note_mutation(request, answer)
                return answer
        response = await self._moto(request)
        for decorate in self.decorators:
            decorate(request, response)
        self._note_mutation(request, response)
        return response

    def _note_mutation(self, request: AwsRequest, response: Response) -> None:
        if self._on_mutation is not None and response.status_code < 400 and is_mutation(request):
            self._on_mutation()


_READ_PREFIXES = ("Get", "Query", "Scan", "Describe", "List", "BatchGet", "TransactGet", "Head")


def is_mutation(request: AwsRequest) -> bool:
    """Whether a request may change state (so the snapshot is due). Reads are skipped."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    target = request.target
    if target:
        return not target.rsplit(".", 1)[-1].startswith(_READ_PREFIXES)
    return True


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
