"""Spare Python environments: a worker process started ahead of need, with what Lambda's
Python runtime provides (boto3, botocore) already imported, waiting for a function.

A cold start spends most of its time importing; boto3 and botocore alone are ~0.3-0.6 s
of it on this 2-core machine. A spare is the bootstrap started with
`STRATUS_LAMBDA_SPARE=1` and only what decides how the interpreter starts and where it
imports from (PYTHON*, LD_*, PATH, HOME, LANG, TZ; the same cwd and command as the
function's): it imports boto3 from the function's own sys.path, then waits. On a cold
start whose environment has the same key, the spare is assigned the function's whole
environment and runs its init phase as a fresh worker would; nothing of the function's
code or variables exists in it before that. A new spare is then started for the key, so
the next cold start on the same code (another function of the asset, or a second
concurrent environment) finds one too. At most `limit` spares wait at once;
`STRATUS_LAMBDA_SPARES=0` turns them off.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence

from stratus.local.lambda_runtime.worker import Worker

log = logging.getLogger("stratus.lambda")

Key = tuple[tuple[str, ...], str, tuple[tuple[str, str], ...]]
_START_KEYS = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ")
_START_PREFIXES = ("PYTHON", "LD_")
DEFAULT_LIMIT = 4


def start_environment(env: dict[str, str]) -> dict[str, str]:
    """The part of a worker's environment that shapes the interpreter before any import."""
    return {k: v for k, v in env.items() if k in _START_KEYS or k.startswith(_START_PREFIXES)}


def spare_key(command: Sequence[str], cwd: str, env: dict[str, str]) -> Key:
    return (tuple(command), cwd, tuple(sorted(start_environment(env).items())))


def enabled_by_environment() -> bool:
    return os.environ.get("STRATUS_LAMBDA_SPARES", "1") not in ("0", "off", "false")


class Spares:
    """Spares waiting per key, `limit` in all."""

    def __init__(self, *, limit: int = DEFAULT_LIMIT, enabled: bool = True) -> None:
        self.limit = limit
        self.enabled = enabled
        self._ready: dict[Key, list[Worker]] = {}
        self._starting: dict[Key, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.used = 0

    def waiting(self, key: Key | None = None) -> int:
        """How many spares wait (for `key`, or in all)."""
        if key is not None:
            return len(self._ready.get(key, ()))
        return sum(len(workers) for workers in self._ready.values())

    def take(self, key: Key) -> Worker | None:
        """A waiting spare for `key`, if there is a live one."""
        workers = self._ready.get(key, [])
        while workers:
            worker = workers.pop(0)
            if worker.usable():
                self.used += 1
                return worker
            worker.kill()
        return None

    def ensure(
        self, key: Key, command: Sequence[str], cwd: str, env: dict[str, str], count: int = 1
    ) -> None:
        """Start spares for `key` in the background until `count` wait or are starting."""
        if not self.enabled or self._closed:
            return
        spare_env = {**start_environment(env), "STRATUS_LAMBDA_SPARE": "1"}
        loop = asyncio.get_running_loop()
        while self.waiting(key) + self._starting.get(key, 0) < count:
            if self.waiting() + sum(self._starting.values()) >= self.limit:
                return
            self._starting[key] = self._starting.get(key, 0) + 1
            task = loop.create_task(self._start(key, command, cwd, spare_env))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _start(self, key: Key, command: Sequence[str], cwd: str, env: dict[str, str]) -> None:
        try:
            worker = await Worker.spawn(cwd=cwd, env=env, command=command)
        except (OSError, RuntimeError) as exc:
            log.warning("could not start a spare Lambda environment in %s: %s", cwd, exc)
            return
        finally:
            self._starting[key] -= 1
        if self._closed:
            await worker.aclose()
            return
        self._ready.setdefault(key, []).append(worker)

    async def aclose(self) -> None:
        self._closed = True  # a spare still starting closes itself
        await asyncio.gather(*self._tasks, return_exceptions=True)
        workers = [w for waiting in self._ready.values() for w in waiting]
        self._ready.clear()
        await asyncio.gather(*(w.aclose() for w in workers), return_exceptions=True)
