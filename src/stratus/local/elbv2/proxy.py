"""One listener of an Application Load Balancer, as an ASGI app on the local HTTP(S) stack.

A request meets the listener's rules (`rules`); a fixed response or a redirect is
answered here, a forward goes to one target of the chosen group (weighted among the
action's groups, round robin within one: `targets`) through httpcore's connection pool
(the engine under httpx, used alone: a forward costs ~0.6 ms in it against ~3-4 ms
through httpx.AsyncClient on this machine), streaming both ways (request bodies as they
arrive, responses chunk by chunk, so large downloads and `Range` requests pass through
untouched; no decompression). Headers ALB adds
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html):
X-Forwarded-For (the client's address appended), X-Forwarded-Proto, X-Forwarded-Port (the
port the client connected to: locally the listener's local port, so links a target builds
from it reach the listener), and X-Amzn-Trace-Id
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-request-tracing.html:
a Root when the request has none, else a Self field in front of it). The Host header
reaches the target as the client sent it. Hop-by-hop headers are not forwarded.

The load balancer's own errors (`pages`): 503 when the group has nothing to send to, 502
when the target refuses or closes the connection or answers malformed, 504 when it does
not answer within the load balancer's idle timeout (or cannot be connected to in 10 s).
WebSocket upgrades are not proxied locally (answered 400).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpcore
from starlette.types import Receive, Scope, Send

from stratus.local.elbv2 import pages
from stratus.local.elbv2.config import Listener
from stratus.local.elbv2.metrics import AlbMetrics
from stratus.local.elbv2.rules import (
    RequestFacts,
    fixed_response,
    forward_groups,
    matching_rule,
    redirect,
)
from stratus.local.elbv2.targets import Target, TargetGroup

log = logging.getLogger("stratus.elbv2")
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
CONNECT_TIMEOUT = 10.0  # ALB's connection timeout to a target


class TargetClosedError(Exception):
    """The target went away mid-exchange (drained, or closed the connection)."""


def trace_id(existing: str | None, now: float | None = None) -> str:
    stamp = f"{int(now if now is not None else time.time()):08x}"
    fresh = f"1-{stamp}-{os.urandom(12).hex()}"
    if existing and "Root=" in existing:
        parts = [p for p in existing.split(";") if not p.startswith("Self=")]
        return ";".join([f"Self={fresh}", *parts])
    return f"Root={fresh}"


def split_host(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


class ListenerApp:
    def __init__(
        self,
        listener: Listener,
        groups: Mapping[str, TargetGroup],
        client: httpcore.AsyncConnectionPool,
        metrics: AlbMetrics | None = None,
    ) -> None:
        self.listener = listener
        self.groups = groups
        self.client = client
        self.metrics = metrics or AlbMetrics(None)
        self.lb_arn = listener.local.load_balancer_arn

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            return
        headers = _header_map(scope["headers"])
        client = (scope.get("client") or ("127.0.0.1", 0))[0]
        facts = RequestFacts(
            method=scope["method"],
            host=split_host(headers.get("host", "")),
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            source_ip=client,
            protocol=self.listener.protocol.lower(),
            port=self.listener.local.local_port,  # the port this app listens on
        )
        if headers.get("upgrade"):
            await _answer_error(send, 400)
            return
        action = matching_rule(self.listener.rules, facts).final_action
        kind = action.get("Type")
        if kind == "fixed-response":
            fixed = fixed_response(action.get("FixedResponseConfig") or {})
            extra = pages.own_headers(fixed.content_type.encode(), len(fixed.body))
            await _answer(send, fixed.status, extra, fixed.body, scope["method"])
            self.metrics.request(self.lb_arn, None, fixed.status, own=True)
        elif kind == "redirect":
            siblings = self.listener.siblings
            moved = redirect(
                action.get("RedirectConfig") or {}, facts, lambda _p, port: siblings.get(port)
            )
            head, body = pages.error_page(moved.status)
            head.append((b"location", moved.location.encode()))
            await _answer(send, moved.status, head, body, scope["method"])
            self.metrics.request(self.lb_arn, None, moved.status, own=True)
        elif kind == "forward":
            await self._forward(action, scope, headers, facts, receive, send)
        else:
            await _answer_error(send, 500)
            self.metrics.request(self.lb_arn, None, 500, own=True)

    async def _forward(
        self,
        action: Mapping[str, Any],
        scope: Scope,
        headers: dict[str, str],
        facts: RequestFacts,
        receive: Receive,
        send: Send,
    ) -> None:
        choices = [(arn, w) for arn, w in forward_groups(action) if w > 0]
        group = None
        if choices:
            arn = random.choices([a for a, _ in choices], [w for _, w in choices])[0]
            group = self.groups.get(arn)
        target = group.pick() if group is not None else None
        if group is None or target is None:
            await _answer_error(send, 503, scope["method"])
            self.metrics.request(self.lb_arn, group.arn if group else None, 503, own=True)
            return
        state = {"started": False}
        exchange = asyncio.create_task(
            self._exchange(group, target, scope, headers, facts, receive, send, state)
        )
        target.inflight.add(exchange)
        try:
            status = await exchange
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                exchange.cancel()
                raise
            status = 502  # the target was drained away mid-request
        finally:
            target.inflight.discard(exchange)
        if status:
            self.metrics.request(self.lb_arn, group.arn, status, own=True)
        if status and not state["started"]:
            await _answer_error(send, status, scope["method"])
        elif status:
            raise TargetClosedError(f"{target.id}:{target.port} stopped mid-response")

    async def _exchange(
        self,
        group: TargetGroup,
        target: Target,
        scope: Scope,
        headers: dict[str, str],
        facts: RequestFacts,
        receive: Receive,
        send: Send,
        state: dict[str, bool],
    ) -> int:
        """Send the request to `target` and stream its answer back: 0 when done, else the
        status of the load balancer's own error (502/504) to answer instead."""
        path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        url = f"{group.protocol.lower()}://{target.host}:{target.port}{path.decode('latin-1')}"
        if query:
            url += "?" + query.decode("latin-1")
        chunked = "transfer-encoding" in headers and "content-length" not in headers
        has_body = chunked or headers.get("content-length", "0") != "0"
        upstream = self._upstream_headers(scope, facts)
        if chunked:
            upstream.append((b"transfer-encoding", b"chunked"))
        if "host" not in headers:
            upstream.append((b"host", f"{target.host}:{target.port}".encode()))
        idle = self.listener.idle_timeout
        request = httpcore.Request(
            scope["method"],
            url,
            headers=upstream,
            content=_body(receive) if has_body else None,
            extensions={
                "timeout": {"connect": CONNECT_TIMEOUT, "read": idle, "write": idle, "pool": idle}
            },
        )
        began = time.perf_counter()
        try:
            response = await self.client.handle_async_request(request)
        except httpcore.TimeoutException:
            return 504
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            log.debug("target %s:%s: %s", target.id, target.port, exc)
            return 502
        self.metrics.request(
            self.lb_arn,
            group.arn,
            response.status,
            own=False,
            seconds=time.perf_counter() - began,
        )
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": [
                        (k, v)
                        for k, v in response.headers
                        if k.decode("latin-1").lower() not in HOP_BY_HOP
                    ],
                }
            )
            state["started"] = True
            async for chunk in response.aiter_stream():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.TimeoutException) as exc:
            log.debug("target %s:%s mid-response: %s", target.id, target.port, exc)
            return 504 if isinstance(exc, httpcore.TimeoutException) else 502
        finally:
            with contextlib.suppress(Exception):
                await response.aclose()
        return 0

    def _upstream_headers(self, scope: Scope, facts: RequestFacts) -> list[tuple[bytes, bytes]]:
        named = {
            token.decode("latin-1").strip().lower()
            for key, value in scope["headers"]
            if key.lower() == b"connection"
            for token in value.split(b",")
        }
        drop = HOP_BY_HOP | named | {"x-forwarded-proto", "x-forwarded-port", "x-amzn-trace-id"}
        out: list[tuple[bytes, bytes]] = []
        forwarded_for = ""
        trace = None
        for key, value in scope["headers"]:
            name = key.decode("latin-1").lower()
            if name == "x-forwarded-for":
                forwarded_for = f"{forwarded_for}, {value.decode('latin-1')}".lstrip(", ")
            elif name == "x-amzn-trace-id":
                trace = value.decode("latin-1")
            elif name not in drop:
                out.append((key, value))
        chain = f"{forwarded_for}, {facts.source_ip}" if forwarded_for else facts.source_ip
        out += [
            (b"x-forwarded-for", chain.encode()),
            (b"x-forwarded-proto", facts.protocol.encode()),
            (b"x-forwarded-port", str(facts.port).encode()),
            (b"x-amzn-trace-id", trace_id(trace).encode()),
        ]
        return out


def _header_map(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in raw:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]},{text}" if name in out else text
    return out


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise TargetClosedError("the client went away")
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body"):
            return


async def _answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, method: str
) -> None:
    headers = [*headers, (b"date", email.utils.formatdate(usegmt=True).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


async def _answer_error(send: Send, status: int, method: str = "GET") -> None:
    head, body = pages.error_page(status)
    await _answer(send, status, head, body, method)
