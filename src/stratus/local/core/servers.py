"""Run several uvicorn servers in one asyncio loop, with signals handled by the caller.

uvicorn installs its own SIGINT/SIGTERM handlers per server; with three servers in one loop
they would fight, so the local cloud disables them and stops every server itself.

A server may listen on several addresses (`stratus up --lan`: the loopback and the LAN
address, not 0.0.0.0): uvicorn binds one host, so the sockets are bound here and handed to
`Server.serve(sockets=...)`, which serves each with the same app and TLS context.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _HeadWithBody:
    """A response's transport that holds its head back until the body is written.

    uvicorn writes a response in two calls, the head when the app sends
    `http.response.start`, then the body; with TCP_NODELAY that is two segments (two
    syscalls here, two reads for the client). Held here, head and body leave in one write.
    Only the first write after the response started (the head) is held: a `100 Continue`
    interim answer (written before) and every later write go straight through; a HEAD
    response (uvicorn writes no body) is not held; closing writes a held head first."""

    __slots__ = ("_cycle", "_head", "_held", "_transport")

    def __init__(self, transport: asyncio.Transport, cycle: Any) -> None:
        self._transport = transport
        self._cycle = cycle
        self._head: bytes | None = None
        self._held = False

    def write(self, data: bytes) -> None:
        head = self._head
        if head is not None:
            self._head = None
            self._transport.write(head + data)
        elif not self._held and self._cycle.response_started:
            self._held = True
            if self._cycle.scope["method"] == "HEAD":
                self._transport.write(data)
            else:
                self._head = data
        else:
            self._transport.write(data)

    def close(self) -> None:
        head, self._head = self._head, None
        if head is not None:
            self._transport.write(head)
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class OneWriteHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing each response (head and body) in one call."""

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = getattr(self, "cycle", None)
        if cycle is not None:
            cycle.transport = _HeadWithBody(self.transport, cycle)


# The AWS endpoint's server: each response in one write, and no X-Forwarded-* rewriting of
# the client's address (AWS takes aws:SourceIp from the connection, not from a header).
AWS_ENDPOINT_OPTIONS: dict[str, Any] = {"http": OneWriteHttpProtocol, "proxy_headers": False}


class PortInUseError(RuntimeError):
    def __init__(self, host: str, port: int, purpose: str) -> None:
        super().__init__(
            f"port {port} on {host} ({purpose}) is already in use; "
            f"stop what listens there or choose another port"
        )
        self.port = port


def check_port_free(host: str | Sequence[str], port: int, purpose: str) -> None:
    for one in _hosts(host):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((one, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUseError(one, port, purpose) from exc
                raise


def _hosts(host: str | Sequence[str]) -> list[str]:
    return [host] if isinstance(host, str) else list(dict.fromkeys(host))


def _listening_sockets(hosts: list[str], port: int, purpose: str) -> list[socket.socket]:
    """One bound, listening socket per address (closed again if any bind fails)."""
    bound: list[socket.socket] = []
    try:
        for one in hosts:
            family = socket.AF_INET6 if ":" in one else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            bound.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((one, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUseError(one, port, purpose) from exc
                raise
            sock.listen(2048)
            sock.setblocking(False)
    except BaseException:
        for sock in bound:
            sock.close()
        raise
    return bound


@dataclass
class RunningServer:
    name: str
    server: uvicorn.Server
    task: asyncio.Task[None]


async def start_server(
    name: str,
    app: Any,
    host: str | Sequence[str],
    port: int,
    *,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    sni_callback: Any = None,
    **options: Any,
) -> RunningServer:
    """`options` go to uvicorn.Config (e.g. `http=`: a service's own protocol class).
    `sni_callback`: set on the TLS context, to choose a certificate per server name.
    `host`: one address, or several (`LocalSettings.listen_hosts`) served alike."""
    hosts = _hosts(host)
    config = uvicorn.Config(
        app,
        host=hosts[0],
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
    sockets = _listening_sockets(hosts, port, name) if len(hosts) > 1 else None
    task = asyncio.create_task(server.serve(sockets=sockets), name=f"server:{name}")
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
