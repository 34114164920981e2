"""A response's head goes out with its body in one write; nothing is lost or reordered."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

from moto_harness import serve

from stratus.local.core.one_write import OneWriteHttpProtocol, _HeadWithBody


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> Any:
        return name


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"


def test_a_head_is_sent_with_the_body_after_it() -> None:
    loop = asyncio.new_event_loop()
    try:
        fake = FakeTransport()
        transport = _HeadWithBody(fake, loop)  # type: ignore[arg-type]
        transport.write(HEAD)
        assert fake.writes == []
        transport.write(b"hello")
        transport.write(b"more")  # not a head: at once
        assert fake.writes == [HEAD + b"hello", b"more"]
        loop.run_until_complete(asyncio.sleep(0))  # the scheduled flush finds nothing held
        assert fake.writes == [HEAD + b"hello", b"more"]
        assert transport.get_extra_info("peername") == "peername"
    finally:
        loop.close()


def test_a_head_alone_goes_out_at_the_next_loop_iteration_or_on_close() -> None:
    loop = asyncio.new_event_loop()
    try:
        fake = FakeTransport()
        transport = _HeadWithBody(fake, loop)  # type: ignore[arg-type]
        transport.write(HEAD)
        loop.run_until_complete(asyncio.sleep(0))
        assert fake.writes == [HEAD]
        transport.write(HEAD)
        transport.close()
        assert fake.writes == [HEAD, HEAD] and fake.closed
    finally:
        loop.close()


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/slow":  # a streaming answer: its head must not wait for the body
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0.5)
        await send({"type": "http.response.body", "body": b"late", "more_body": False})
        return
    body = scope["path"].encode() * 3
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, rest = data.split(b"\r\n\r\n", 1)
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(rest) < length:
        rest += sock.recv(65536)
    return head + b"\r\n\r\n" + rest


def test_keep_alive_requests_are_answered_whole_and_in_order() -> None:
    with serve(app, http=OneWriteHttpProtocol) as url:
        host, port = url.split("//")[1].split(":")
        with socket.create_connection((host, int(port))) as sock:
            for path in ("/a", "/bb", "/ccc" * 500):
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                answer = _read_response(sock)
                assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
                assert answer.endswith(path.encode() * 3)
            sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            started = time.monotonic()
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(65536)
            assert time.monotonic() - started < 0.4  # the head did not wait for the body
            assert head.startswith(b"HTTP/1.1 200 OK")
