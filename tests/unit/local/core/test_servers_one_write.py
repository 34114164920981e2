"""The AWS endpoint's server writes each response, head and body, in one call, and
answers everything else (100 Continue, HEAD, chunked, empty bodies) as uvicorn does."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from stratus.local.core import servers
from stratus.local.core.servers import AWS_ENDPOINT_OPTIONS


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path = scope["path"]
    if path == "/chunked":  # no Content-Length: uvicorn chunks it
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ab", "more_body": True})
        await send({"type": "http.response.body", "body": b"cd"})
        return
    if path == "/empty":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    client = scope["client"][0].encode()
    answer = b"echo:" + body + b" from:" + client
    headers = [(b"content-length", str(len(answer)).encode()), (b"x-test", b"1")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[int, list[bytes]]]:
    writes: list[bytes] = []
    loop = asyncio.new_event_loop()
    port = _free_port()

    class Spy(servers.OneWriteHttpProtocol):
        def connection_made(self, transport: Any) -> None:
            real_write = transport.write

            def write(data: bytes) -> None:
                writes.append(bytes(data))
                real_write(data)

            transport.write = write
            super().connection_made(transport)

    options = {**AWS_ENDPOINT_OPTIONS, "http": Spy}
    running = loop.run_until_complete(servers.start_server("t", app, "127.0.0.1", port, **options))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port, writes
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.run_until_complete(servers.stop_servers([running]))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _exchange(port: int, *parts: bytes, expect_continue: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(parts[0])
        if expect_continue:
            assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        for part in parts[1:]:
            sock.sendall(part)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def test_head_and_body_leave_in_one_write(endpoint: tuple[int, list[bytes]]) -> None:
    port, writes = endpoint
    writes.clear()
    request = b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
    got = _exchange(port, request)
    assert got.startswith(b"HTTP/1.1 200 OK\r\n")
    assert got.endswith(b"\r\n\r\necho:abc from:127.0.0.1")
    assert len(writes) == 1 and writes[0] == got


def test_the_client_address_is_the_connection_s_not_a_header_s(
    endpoint: tuple[int, list[bytes]],
) -> None:
    port, _ = endpoint
    got = _exchange(
        port,
        b"GET /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.9.8.7\r\nConnection: close\r\n\r\n",
    )
    assert got.endswith(b"from:127.0.0.1")


def test_100_continue_goes_out_before_the_body_arrives(endpoint: tuple[int, list[bytes]]) -> None:
    port, writes = endpoint
    writes.clear()
    head = (
        b"PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n"
        b"Connection: close\r\n\r\n"
    )
    got = _exchange(port, head, b"hi", expect_continue=True)
    assert got.endswith(b"echo:hi from:127.0.0.1")
    assert writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n" and len(writes) == 2


def test_head_chunked_and_empty_responses_are_uvicorn_s(endpoint: tuple[int, list[bytes]]) -> None:
    port, _ = endpoint
    head = _exchange(port, b"HEAD /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
    assert b"content-length: 20" in head
    chunked = _exchange(port, b"GET /chunked HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert b"transfer-encoding: chunked" in chunked
    assert chunked.endswith(b"\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n")
    empty = _exchange(port, b"GET /empty HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    assert empty.startswith(b"HTTP/1.1 204 No Content\r\n") and empty.endswith(b"\r\n\r\n")


def test_keep_alive_answers_each_request_in_turn(endpoint: tuple[int, list[bytes]]) -> None:
    port, _ = endpoint
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for body in (b"one", b"two", b"three"):
            sock.sendall(
                b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            expected = b"echo:" + body + b" from:127.0.0.1"
            data = b""
            while not data.endswith(expected):
                data += sock.recv(65536)
            assert data.count(b"HTTP/1.1 200") == 1
