"""Carry work from any thread (moto's request threads) onto the cloud's event loop.

Events are raised inside moto while it handles a write, in a worker thread; delivering them
means calling other services and the Lambda runtime, which live on the event loop. The
outbox schedules each delivery there, keeps every pending one, and drains them on a
graceful stop, so nothing accepted is dropped on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("stratus.delivery")

Work = Callable[[], Awaitable[Any]]


class Outbox:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self._lock = threading.Lock()
        self._scheduled = 0  # accepted from another thread, not yet a task on the loop
        self._closing = False
        self.delivered = 0
        self.failed = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def submit(self, work: Work, what: str) -> None:
        """Run `work()` on the loop soon; callable from any thread, never blocks or raises."""
        loop = self._loop
        with self._lock:
            if loop is None or self._closing:
                log.warning("dropped %s: the local cloud is not running", what)
                return
            self._scheduled += 1
        try:
            if _running_loop() is loop:
                self._spawn(work, what)
            else:
                loop.call_soon_threadsafe(self._spawn, work, what)
        except RuntimeError:  # the loop is closed: say so, never fail the caller's write
            with self._lock:
                self._scheduled -= 1
            log.warning("dropped %s: the local cloud has stopped", what)

    def _spawn(self, work: Work, what: str) -> None:
        with self._lock:
            self._scheduled -= 1
            if self._closing:  # reached the loop after a drain gave up waiting
                log.warning("dropped %s: the local cloud stopped first", what)
                return
        task = asyncio.get_running_loop().create_task(self._run(work, what), name=what)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _run(self, work: Work, what: str) -> None:
        try:
            await work()
            self.delivered += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            self.failed += 1
            log.exception("delivery failed: %s", what)

    @property
    def idle(self) -> bool:
        """Nothing accepted is still waiting or running."""
        return not self._pending and not self._scheduled

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for everything accepted (also work submitted from another thread that is not
        on the loop yet, and work the pending work submits), then refuse new work; past the
        timeout, cancel what is left and wait for it to end, so no task outlives the stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not self.idle:
                    if self._pending:
                        await asyncio.gather(*list(self._pending), return_exceptions=True)
                    else:
                        await asyncio.sleep(0.001)  # let scheduled submissions become tasks
        with self._lock:
            self._closing = True
        left = list(self._pending)
        if left or self._scheduled:
            log.warning("stopping with %d delivery(ies) unfinished", len(left) + self._scheduled)
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
