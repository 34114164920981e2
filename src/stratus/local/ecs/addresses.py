"""Each task's own IP address, as awsvpc gives every task its own network interface.

With awsvpc every Fargate task has its own ENI and private IP, so each task listens on the
container's port unchanged (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/
fargate-task-networking.html). Locally a task gets a loopback address of its own
(127.0.0.2 upwards; Linux routes all of 127.0.0.0/8 to the loopback interface). Several
`stratus up` (stages side by side) share the machine, so an address is claimed by an
exclusive lock on a file named after it in one machine-wide directory: the lock is held
while the task runs and goes away with the process, even after `kill -9`. An address whose
port is taken by something else (a process left over) is passed over.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from stratus.local.core.lasting_ports import port_is_free

LOCK_DIR_ENV = "STRATUS_ECS_ADDRESS_DIR"


class NoAddressError(RuntimeError):
    """Every local task address is in use."""


def lock_dir() -> Path:
    return Path(os.environ.get(LOCK_DIR_ENV) or tempfile.gettempdir()) / "stratus-ecs-addresses"


def candidates() -> Iterator[str]:
    """127.0.0.2 ... 127.0.3.254 (127.0.0.1 is the local cloud's own)."""
    for third in range(4):
        for fourth in range(2 if third == 0 else 1, 255):
            yield f"127.0.{third}.{fourth}"


@dataclass
class Lease:
    """An address held for one task; `release` frees it."""

    ip: str
    _handle: IO[str] | None

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def port_free(ip: str, port: int) -> bool:
    return port_is_free(port, ip)


def claim(ports: tuple[int, ...] = (), directory: Path | None = None) -> Lease:
    """The first address no other task on this machine holds, with `ports` free on it."""
    where = directory or lock_dir()
    where.mkdir(parents=True, exist_ok=True)
    for ip in candidates():
        handle = open(where / f"{ip}.lock", "a+")  # noqa: SIM115 - held while the task runs
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        if all(port_free(ip, port) for port in ports):
            return Lease(ip, handle)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
    raise NoAddressError("every local task address (127.0.0.2-127.0.3.254) is in use")


def held(ip: str, directory: Path | None = None) -> bool:
    """Whether a running task (of any local cloud on this machine) holds `ip` now."""
    path = (directory or lock_dir()) / f"{ip}.lock"
    if not path.exists():
        return False
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False
