"""The ceiling: a bare hello-world ASGI app on the same uvicorn HTTPS setup as the gateway.

It runs in a background thread with its own asyncio loop, via the product's own
`stratus.local.core.servers.start_server`, with the cloud's TLS certificate.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from stratus.local.core.servers import RunningServer, start_server, stop_servers

BODY = b'{"hello":"world"}'


async def hello_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(BODY)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": BODY})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def hello_server(cert: Path, key: Path) -> Iterator[str]:
    """Yield the https origin of a running hello server; stop it on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = free_port()
    running: RunningServer = asyncio.run_coroutine_threadsafe(
        start_server(
            "hello", hello_app, "127.0.0.1", port, ssl_certfile=str(cert), ssl_keyfile=str(key)
        ),
        loop,
    ).result(timeout=30)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(stop_servers([running]), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
