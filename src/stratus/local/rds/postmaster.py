"""Postmasters left running by a killed `stratus up`, found and stopped before a new start.

`kill -9` of `stratus up` does not stop its PostgreSQL servers (each runs in its own
session, so a Ctrl-C reaches only the cloud, which stops them in order). The next `up` on
the same state finds them through each data directory's `postmaster.pid` (PostgreSQL's own
lock file: pid, data directory, start time, port, socket directory, ...;
https://www.postgresql.org/docs/15/server-start.html) and, as a fallback for a data
directory that is gone (`--fresh` deleted it under a running server), through /proc: a
postmaster's working directory is its data directory. A pid is only signalled when that
process is alive and really works in that directory, so a pid reused by another program
after a reboot is left alone (and its stale pid file is removed, since PostgreSQL refuses
to start while the pid in it is alive). Stopping is PostgreSQL's fast shutdown (SIGINT),
then immediate (SIGQUIT), then SIGKILL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("stratus.rds")
PID_FILE = "postmaster.pid"
SOCKET_PREFIX = "stratus-pg-"  # the private socket directories this package creates
DELETED = " (deleted)"


@dataclass(frozen=True)
class PidFile:
    """The first lines of `postmaster.pid` (src/include/utils/pidfile.h)."""

    pid: int
    data_dir: str
    port: int | None
    socket_dir: str


def read_pid_file(data_dir: Path) -> PidFile | None:
    try:
        lines = (data_dir / PID_FILE).read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        pid = int(lines[0].strip())
    except (IndexError, ValueError):
        return None  # being written, or damaged: PostgreSQL itself rewrites it
    port = int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None
    socket_dir = lines[4].strip() if len(lines) > 4 else ""
    return PidFile(pid, lines[1].strip() if len(lines) > 1 else "", port, socket_dir)


def alive(pid: int) -> bool:
    """Running and not a zombie (a reaped-later child of a dead parent counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): kill(0) is all there is
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def working_dir(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return None


def works_in(pid: int, data_dir: Path) -> bool:
    """Whether `pid` is a live process whose working directory is `data_dir` (deleted or not)."""
    if not alive(pid):
        return False
    cwd = working_dir(pid)
    if cwd is None:
        return False
    cwd = cwd.removesuffix(DELETED)
    return cwd == str(data_dir) or cwd == str(data_dir.resolve())


def orphans(root: Path) -> dict[int, str]:
    """Postmasters serving a data directory under `root`: pid -> socket dir ('' unknown).

    The caller holds the state directory's single-instance lock, so none of them belongs to
    a running `stratus up`."""
    found: dict[int, str] = {}
    if root.is_dir():
        for pid_path in root.glob(f"**/{PID_FILE}"):
            data_dir = pid_path.parent
            info = read_pid_file(data_dir)
            if info is None:
                continue
            if works_in(info.pid, data_dir):
                found[info.pid] = info.socket_dir
            elif not alive(info.pid) or working_dir(info.pid) is not None:
                # Dead, or alive as another program: a stale lock PostgreSQL would refuse.
                log.info("removing the stale %s of %s (pid %s)", PID_FILE, data_dir, info.pid)
                with contextlib.suppress(FileNotFoundError):
                    pid_path.unlink()
    if _socket_dirs_left():  # a server is running, or one was not stopped cleanly
        found.update({pid: "" for pid in _proc_postmasters(root) if pid not in found})
    return found


def _socket_dirs_left() -> bool:
    """Whether any private socket directory exists (every server of ours has one until it is
    stopped cleanly): without one, /proc is not worth scanning."""
    return any(Path(tempfile.gettempdir()).glob(f"{SOCKET_PREFIX}*"))


def _proc_postmasters(root: Path) -> list[int]:
    """Processes named postgres working under `root` whose parent is not one of them."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    prefix = str(root.resolve()) + os.sep
    pids: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        cwd = working_dir(int(entry.name))
        if cwd is None or not cwd.removesuffix(DELETED).startswith(prefix):
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        if name in ("postgres", "postmaster"):
            pids[int(entry.name)] = int(stat.rsplit(")", 1)[-1].split()[1])  # ppid
    return [pid for pid, parent in pids.items() if parent not in pids]


def stop(pid: int, *, fast_seconds: float = 30.0, immediate_seconds: float = 5.0) -> None:
    """Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL; returns once gone.
    (https://www.postgresql.org/docs/15/server-shutdown.html)"""
    for sig, wait in (
        (signal.SIGINT, fast_seconds),
        (signal.SIGQUIT, immediate_seconds),
        (signal.SIGKILL, 5.0),
    ):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not alive(pid):
                return
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child: reap it
                    return
            time.sleep(0.02)
        log.warning("postmaster %s still running after signal %s", pid, sig.name)


def stop_orphans(root: Path) -> list[int]:
    """Stop every postmaster a killed run left under `root`; returns their pids."""
    found = orphans(root)
    for pid, socket_dir in found.items():
        log.warning("stopping PostgreSQL (pid %s) left running by an earlier stratus up", pid)
        stop(pid)
        remove_socket_dir(socket_dir)
    return list(found)


def remove_socket_dir(socket_dir: str) -> None:
    """Remove a private socket directory this package made (and nothing else)."""
    path = Path(socket_dir) if socket_dir else None
    if path is not None and path.name.startswith(SOCKET_PREFIX) and path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
