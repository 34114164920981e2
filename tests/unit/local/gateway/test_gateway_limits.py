"""API Gateway's limits on what a client sends, enforced by the gateway's HTTP protocol:
a request head over 10,240 bytes is refused with 431, and a request that is not fully
received within the read timeout is closed (408 when its head is incomplete) without
reaching the integration. Driven over raw sockets against a real uvicorn server."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn
from gateway_rig import API_ID, Rig, without_limits

from stratus.local.gateway.server import MAX_HEAD_BYTES, GatewayHttpProtocol

PATH = f"/restapis/{API_ID}/prod/public/hello"
READ_TIMEOUT = 0.5


class FastTimeoutProtocol(GatewayHttpProtocol):
    read_timeout_s = READ_TIMEOUT


Scenario = Callable[[int], Awaitable[None]]


def serve(rig: Rig, scenario: Scenario) -> None:
    async def main() -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            rig.app, log_level="warning", lifespan="off", http=FastTimeoutProtocol
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            await scenario(port)
        finally:
            server.should_exit = True
            await task

    asyncio.run(main())


async def exchange(port: int, data: bytes) -> bytes:
    """Send `data`, then read until the server closes (or 5 s pass)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        async with asyncio.timeout(5):
            return await reader.read(-1)
    finally:
        writer.close()


def status_and_body(raw: bytes) -> tuple[int, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def get(extra_headers: str = "", connection: str = "close") -> bytes:
    return (
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {connection}\r\n{extra_headers}\r\n"
    ).encode()


def test_a_one_mebibyte_header_is_431_naming_the_limit(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=without_limits)

    async def scenario(port: int) -> None:
        raw = await exchange(port, get(f"X-Big: {'a' * (1 << 20)}\r\n"))
        status, body = status_and_body(raw)
        assert status == 431
        assert json.loads(body) == {"message": "HTTP header is larger than 10240 bytes."}

    serve(rig, scenario)
    assert rig.lambdas.events == []


def test_headers_just_over_the_limit_are_refused_and_just_under_are_served(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path, tweak=without_limits)
    # What counts (as AWS: the request line and the header values): the URL and each
    # header's name and value.
    fixed = len(PATH) + len("Host") + len("127.0.0.1") + len("Connection") + len("close")
    room = MAX_HEAD_BYTES - fixed - len("X-Fill")

    async def scenario(port: int) -> None:
        ok = await exchange(port, get(f"X-Fill: {'b' * room}\r\n"))
        assert status_and_body(ok)[0] == 200
        refused = await exchange(port, get(f"X-Fill: {'b' * (room + 1)}\r\n"))
        assert status_and_body(refused)[0] == 431

    serve(rig, scenario)


def test_a_half_sent_head_is_408_within_the_read_timeout(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=without_limits)

    async def scenario(port: int) -> None:
        started = time.monotonic()
        raw = await exchange(port, f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        assert time.monotonic() - started < READ_TIMEOUT + 1.0
        assert status_and_body(raw) == (408, b'{"message": "Request Timeout"}')

    serve(rig, scenario)


def test_a_half_sent_body_is_closed_and_never_reaches_the_integration(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=without_limits)

    async def scenario(port: int) -> None:
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n"
        )
        started = time.monotonic()
        raw = await exchange(port, head.encode() + b'{"partial":')
        assert time.monotonic() - started < READ_TIMEOUT + 1.0
        assert raw == b""  # closed, nothing answered

    serve(rig, scenario)
    assert rig.lambdas.events == []


def test_a_connection_that_never_sends_a_request_is_closed(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=without_limits)

    async def scenario(port: int) -> None:
        started = time.monotonic()
        assert await exchange(port, b"") == b""
        assert time.monotonic() - started < READ_TIMEOUT + 1.0

    serve(rig, scenario)


def test_keep_alive_requests_each_get_their_own_read_deadline(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=without_limits)

    async def scenario(port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in range(3):  # 3 x 0.3 s on one connection: longer than one deadline
                await asyncio.sleep(0.3)
                writer.write(get(connection="keep-alive"))
                head = await reader.readuntil(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
        finally:
            writer.close()

    serve(rig, scenario)
