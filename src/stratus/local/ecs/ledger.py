"""The task processes a local cloud started, on disk, so a later `up` can end leftovers.

A task's processes run in sessions of their own, so they outlive a `stratus up` that was
killed (`kill -9`, a crash) before it could stop them: they would keep serving stale code
and hold their addresses. Each container process's pid is written here while it runs; the
next `up` on the same state ends every recorded process that is still alive and still runs
in this cloud's staged images (its working directory says so; a recycled pid is left
alone), with its whole session.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from pathlib import Path


class ProcessLedger:
    def __init__(self, path: Path, images_dir: Path) -> None:
        self._path = path
        self._images = str(images_dir.resolve())
        self._lock = threading.Lock()
        self._pids: set[int] = set()

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(sorted(self._pids)))
        tmp.replace(self._path)

    def add(self, pids: list[int]) -> None:
        with self._lock:
            self._pids.update(pids)
            self._save()

    def remove(self, pids: list[int]) -> None:
        with self._lock:
            self._pids.difference_update(pids)
            self._save()

    def _ours(self, pid: int) -> bool:
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            return False
        return cwd.removesuffix(" (deleted)").startswith(self._images)

    def end_leftovers(self) -> int:
        """SIGKILL the sessions of recorded processes still running here; how many."""
        try:
            recorded = json.loads(self._path.read_text())
        except (OSError, ValueError):
            recorded = []
        ended = 0
        for pid in recorded:
            if isinstance(pid, int) and pid > 1 and self._ours(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
                    ended += 1
        with self._lock:
            self._pids.clear()
            self._save()
        return ended
