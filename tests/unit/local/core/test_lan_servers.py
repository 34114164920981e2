"""A server listens on every address it is given (`--lan`: loopback and LAN address) and
only there; a request over TLS is marked secure (what `aws:SecureTransport` reads)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest

from stratus.local.core import servers
from stratus.local.core.front_door import to_aws_request


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = f"{scope['server'][0]} {scope['scheme']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url)


def test_a_server_answers_on_each_address_it_is_given() -> None:
    async def run() -> None:
        port = _free_port()
        running = await servers.start_server("t", app, ("127.0.0.1", "127.0.0.2"), port)
        try:
            first = await _get(f"http://127.0.0.1:{port}/")
            second = await _get(f"http://127.0.0.2:{port}/")
            assert first.text == "127.0.0.1 http" and second.text == "127.0.0.2 http"
        finally:
            await servers.stop_servers([running])

    asyncio.run(run())


def test_a_loopback_only_server_is_not_reachable_on_another_address() -> None:
    async def run() -> None:
        port = _free_port()
        running = await servers.start_server("t", app, "127.0.0.1", port)
        try:
            assert (await _get(f"http://127.0.0.1:{port}/")).status_code == 200
            with pytest.raises(httpx.ConnectError):
                await _get(f"http://127.0.0.2:{port}/")
        finally:
            await servers.stop_servers([running])

    asyncio.run(run())


def test_a_busy_port_on_the_second_address_is_named() -> None:
    port = _free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.2", port))
        busy.listen()
        with pytest.raises(servers.PortInUseError, match=r"127\.0\.0\.2"):
            servers.check_port_free(("127.0.0.1", "127.0.0.2"), port, "AWS endpoint")


def _scope(scheme: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/",
        "scheme": scheme,
        "headers": [],
        "client": ("127.0.0.1", 5),
    }


def test_requests_over_tls_are_marked_secure() -> None:
    assert to_aws_request(_scope("https"), b"").secure
    assert not to_aws_request(_scope("http"), b"").secure
