"""The DAX endpoint as a raw ASGI app: DynamoDB JSON protocol in, DAX semantics, DynamoDB out.

Raw ASGI rather than Starlette because every request is one POST to "/" routed by a header;
a router would add per-request cost and nothing else. Two admin routes serve tests and the
bench: GET /_stratus/stats (cache counters, hit ratio) and POST /_stratus/flush.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from stratus.local.dax.engine import DaxEngine, DaxStats
from stratus.local.dax.wire import TARGET_PREFIX, LocalEndpoint, Reply, Upstream, error_reply

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

STATS_PATH = "/_stratus/stats"
FLUSH_PATH = "/_stratus/flush"


# Who may call: (operation, body, headers) -> an error Reply, or None to serve the request.
Authorize = Callable[[str, bytes, list[tuple[bytes, bytes]]], Reply | None]


class DaxEndpoint:
    """ASGI app; also the handle tests and the lead use for stats, flush and shutdown."""

    def __init__(self, engine: DaxEngine, authorize: Authorize | None = None) -> None:
        self.engine = engine
        # DAX authorizes each request itself (dax:GetItem ... on the cluster), cache hits
        # included, then reads DynamoDB with its own role.
        self.authorize = authorize

    @property
    def stats(self) -> DaxStats:
        return self.engine.stats

    def flush(self) -> None:
        self.engine.flush()

    async def aclose(self) -> None:
        await self.engine.upstream.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        reply = await self._dispatch(scope, receive)
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [*reply.headers, (b"content-length", str(len(reply.body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": reply.body})

    async def _dispatch(self, scope: Scope, receive: Receive) -> Reply:
        method, path = scope["method"], scope["path"]
        if path == STATS_PATH and method == "GET":
            return _admin_json(self.stats.as_dict())
        if path == FLUSH_PATH and method == "POST":
            self.flush()
            return _admin_json({"flushed": True})
        if method != "POST":
            return error_reply(404, "UnknownOperationException", f"No route for {method} {path}")
        body = await _read_body(receive)
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
        target = next((v for k, v in headers if k.lower() == b"x-amz-target"), b"").decode(
            "latin-1"
        )
        if not target.startswith(TARGET_PREFIX):
            return error_reply(400, "UnknownOperationException", f"Unknown X-Amz-Target {target!r}")
        op = target[len(TARGET_PREFIX) :]
        if self.authorize is not None:
            refused = self.authorize(op, body, headers)
            if refused is not None:
                return refused
        try:
            return await self.engine.handle(op, body, headers)
        except Exception:  # never a stack trace to a client; the log keeps it
            log.exception("DAX endpoint failed on %s", op)
            return error_reply(500, "InternalServerError", f"DAX endpoint failed on {op}")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _admin_json(payload: Any) -> Reply:
    return Reply(200, json.dumps(payload).encode(), [(b"content-type", b"application/json")])


def build_dax_app(
    *,
    upstream: str,
    ttl_item_seconds: float = 300,
    ttl_query_seconds: float = 300,
    clock: Callable[[], float] = time.monotonic,
    max_entries: int = 100_000,
    local: LocalEndpoint | None = None,
) -> DaxEndpoint:
    """A DAX endpoint caching in front of the DynamoDB endpoint at `upstream`.

    TTLs default to DAX's 5 minutes; read them from the deployment with
    `dax_settings_from_deployment`. `clock` is injected so tests can expire entries.
    `local`: that endpoint's handler in this process, called instead of its URL.
    """
    engine = DaxEngine(
        Upstream(upstream, local=local),
        item_ttl=ttl_item_seconds,
        query_ttl=ttl_query_seconds,
        clock=clock,
        max_entries=max_entries,
    )
    return DaxEndpoint(engine)
