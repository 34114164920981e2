"""Run several uvicorn servers in one asyncio loop, with signals handled by the caller.

uvicorn installs its own SIGINT/SIGTERM handlers per server; with three servers in one loop
they would fight, so the local cloud disables them and stops every server itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class PortInUseError(RuntimeError):
    def __init__(self, host: str, port: int, purpose: str) -> None:
        super().__init__(
            f"port {port} on {host} ({purpose}) is already in use; "
            f"stop what listens there or choose another port"
        )
        self.port = port


def check_port_free(host: str, port: int, purpose: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(host, port, purpose) from exc
            raise


@dataclass
class RunningServer:
    name: str
    server: uvicorn.Server
    task: asyncio.Task[None]


async def start_server(
    name: str,
    app: Any,
    host: str,
    port: int,
    *,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    sni_callback: Any = None,
    **options: Any,
) -> RunningServer:
    """`options` go to uvicorn.Config (e.g. `http=`: a service's own protocol class).
    `sni_callback`: set on the TLS context, to choose a certificate per server name."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        timeout_keep_alive=75,
        server_header=False,
        date_header=False,
        **options,
    )
    if sni_callback is not None and ssl_certfile:
        config.load()
        assert config.ssl is not None
        config.ssl.sni_callback = sni_callback
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve(), name=f"server:{name}")
    while not server.started:
        if task.done():
            task.result()  # raises the start-up error
            raise RuntimeError(f"{name} server stopped during start-up")
        await asyncio.sleep(0.01)
    return RunningServer(name, server, task)


async def stop_servers(servers: list[RunningServer]) -> None:
    for running in servers:
        running.server.should_exit = True
    for running in servers:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(running.task, timeout=5)
