"""One listener's ASGI app against a real local target: a chunked upload streams through,
a draining deadline cuts in-flight requests (502 before the answer started, a broken
connection after), HEAD gets no body, and nothing ready means ALB's 503."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpcore
import httpx
import pytest

from stratus.local.elbv2.config import Listener
from stratus.local.elbv2.health import CheckResult, HealthSettings
from stratus.local.elbv2.names import LocalListener
from stratus.local.elbv2.proxy import ListenerApp, TargetClosedError
from stratus.local.elbv2.rules import Rule
from stratus.local.elbv2.targets import TargetGroup

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class _Target(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()  # the load balancer may cut a request (draining) mid-answer

    def do_POST(self) -> None:
        body = b""
        if self.headers.get("transfer-encoding") == "chunked":
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size + 2)[:size]
                if not size:
                    break
                body += chunk
        self._send(
            200, b"got:" + body + b";te=" + str(self.headers.get("transfer-encoding")).encode()
        )

    def do_GET(self) -> None:
        if self.path == "/late":
            time.sleep(1)
            self._send(200, b"late")
            return
        if self.path == "/trickle":
            self.send_response(200)
            self.send_header("content-length", "10")
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
            return
        self._send(200, b"ok")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[str, int]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "127.0.0.1", int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _app(address: tuple[str, int], *, healthy: bool = True) -> tuple[ListenerApp, TargetGroup]:
    group = TargetGroup("arn:tg", "tg", "HTTP", address[1], HealthSettings())
    registered, _ = group.register(address[0], address[1])
    if healthy:
        registered.health.record(CheckResult(True))
    local = LocalListener("arn:l", "arn:lb", "lb.elb.localhost", "HTTP", 80, 4700, "S", "L")
    default = Rule(float("inf"), (), ({"Type": "forward", "TargetGroupArn": "arn:tg"},))
    listener = Listener(local, [default], [], idle_timeout=5)
    pool = httpcore.AsyncConnectionPool()
    return ListenerApp(listener, {"arn:tg": group}, pool), group


def _client(app: ListenerApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lb")


async def test_a_chunked_upload_streams_to_the_target(target: tuple[str, int]) -> None:
    app, _ = _app(target)

    async def parts() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b"def"

    async with _client(app) as client:
        answer = await client.post("/up", content=parts())
    assert answer.text == "got:abcdef;te=chunked"


async def test_head_of_a_503_has_no_body_and_nothing_ready_is_503(target: tuple[str, int]) -> None:
    app, _ = _app(target, healthy=False)  # only an initial target: nothing to send to
    async with _client(app) as client:
        got = await client.get("/")
        head = await client.head("/")
    assert got.status_code == 503 and got.headers["server"] == "awselb/2.0"
    assert head.status_code == 503 and head.content == b""


async def _cut_after(group: TargetGroup, seconds: float) -> None:
    await asyncio.sleep(seconds)
    target = next(iter(group.targets.values()))
    group.deregister(target.id)
    for task in list(target.inflight):  # what the end of the deregistration delay does
        task.cancel()


async def test_the_end_of_draining_before_the_answer_is_502(target: tuple[str, int]) -> None:
    app, group = _app(target)
    async with _client(app) as client:
        cut = asyncio.create_task(_cut_after(group, 0.3))
        answer = await client.get("/late")
        await cut
    assert answer.status_code == 502
    assert "<title>502 Bad Gateway</title>" in answer.text


async def test_the_end_of_draining_mid_answer_breaks_the_connection(
    target: tuple[str, int],
) -> None:
    app, group = _app(target)
    async with _client(app) as client:
        cut = asyncio.create_task(_cut_after(group, 0.5))
        with pytest.raises(TargetClosedError):
            await client.get("/trickle")
        await cut
