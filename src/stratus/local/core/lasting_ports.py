"""Ports a server keeps across restarts (a database's, a stage's), chosen below the kernel's
ephemeral port range.

`bind(port 0)` hands out a port from the ephemeral range, the same range every outgoing
connection's local port is drawn from. Once the server stops, any client socket may take
that port, and the next start cannot have it back: a database's port, remembered so that
connection strings keep working, changed between a stop and a start while other processes
made many connections (seen in the tests, run on three workers). Below the ephemeral range
the kernel never picks a port by itself, so a port remembered there stays free unless
another server binds it. The first candidate comes from a hash of what the port is for, so
the same database gets the same port on every machine where it is free.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Collection
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Linux's default start of the range; IANA's (macOS, Windows) starts higher, at 49152.
DEFAULT_EPHEMERAL_START = 32768
LOWEST = 20000  # above the well-known and most registered development ports


def ephemeral_start() -> int:
    """The lowest port the kernel hands out by itself."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return DEFAULT_EPHEMERAL_START


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on `port` now (SO_REUSEADDR, as servers bind)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def any_free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def lasting_port(purpose: str, host: str = "127.0.0.1", taken: Collection[int] = ()) -> int:
    """A free port below the ephemeral range, not in `taken`, the first one tried derived
    from `purpose`; any free port if that range is too small or full."""
    end = ephemeral_start()
    span = end - LOWEST
    if span >= 1000:
        first = int(hashlib.sha256(purpose.encode()).hexdigest()[:8], 16) % span
        for step in range(span):
            port = LOWEST + (first + step) % span
            if port not in taken and port_is_free(port, host):
                return port
    while True:
        port = any_free_port(host)
        if port not in taken:
            return port
