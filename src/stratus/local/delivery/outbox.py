"""Carry work from any thread (moto's request threads) onto the cloud's event loop.

Events are raised inside moto while it handles a write, in a worker thread; delivering them
means calling other services and the Lambda runtime, which live on the event loop. The
outbox schedules each delivery there, keeps every pending one, and drains them on a
graceful stop, so nothing accepted is dropped on the way out.

A delivery submitted with `redo=(kind, data)` also survives `kill -9`: it is journaled as
data (`core.pending`) with the write that caused it, marked done once it ran, and if the
cloud dies first it is rebuilt at the next start by the function registered for its kind
(`rebuilds`) and run again (`redeliver`): at least once, as AWS's event services deliver.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from stratus.local.core import durable

log = logging.getLogger("stratus.delivery")

Work = Callable[[], Awaitable[Any]]
Rebuild = Callable[[dict[str, Any]], tuple[Work, str]]  # data -> (work, what)


class Outbox:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self._lock = threading.Lock()
        self._scheduled = 0  # accepted from another thread, not yet a task on the loop
        self._closing = False
        self.delivered = 0
        self.failed = 0
        self.redelivered = 0
        self._rebuild: dict[str, Rebuild] = {}
        self._last_ticket: Any = None  # of the latest journaled delivery (`sync`)

    def rebuilds(self, kind: str, rebuild: Rebuild) -> None:
        """How a journaled delivery of `kind` is run again after a crash."""
        self._rebuild[kind] = rebuild

    async def sync(self) -> None:
        """Wait until every delivery journaled so far is on disk (for producers whose write
        is not journaled itself, e.g. PutEvents, before they answer)."""
        state, ticket = durable.active(), self._last_ticket
        if state is not None and ticket is not None:
            await state.durable(ticket)

    def redeliver(self) -> int:
        """Run again every journaled delivery the last run did not finish (call once, when
        every target can be reached); how many."""
        state = durable.active()
        if state is None:
            return 0
        count = 0
        for token, kind, data in state.deliveries.outstanding():
            rebuild = self._rebuild.get(kind)
            if rebuild is None:
                continue  # another service's (Lambda runs its own Event invocations again)
            work, what = rebuild(data)
            self._submit(work, f"{what} (again, after a crash)", token)
            count += 1
        self.redelivered += count
        return count

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def submit(
        self, work: Work, what: str, *, redo: tuple[str, dict[str, Any]] | None = None
    ) -> None:
        """Run `work()` on the loop soon; callable from any thread, never blocks or raises.
        With `redo` (kind, picklable data) and durable state, it is journaled first."""
        token = None
        state = durable.active()
        if redo is not None and state is not None and not self._closing:
            token, self._last_ticket = state.delivery_accepted(*redo)
        self._submit(work, what, token)

    def _submit(self, work: Work, what: str, token: str | None) -> None:
        loop = self._loop
        with self._lock:
            if loop is None or self._closing:
                log.warning("dropped %s: the local cloud is not running", what)
                return
            self._scheduled += 1
        try:
            if _running_loop() is loop:
                self._spawn(work, what, token)
            else:
                loop.call_soon_threadsafe(self._spawn, work, what, token)
        except RuntimeError:  # the loop is closed: say so, never fail the caller's write
            with self._lock:
                self._scheduled -= 1
            log.warning("dropped %s: the local cloud has stopped", what)

    def _spawn(self, work: Work, what: str, token: str | None = None) -> None:
        with self._lock:
            self._scheduled -= 1
            if self._closing:  # reached the loop after a drain gave up waiting
                log.warning("dropped %s: the local cloud stopped first", what)
                return
        task = asyncio.get_running_loop().create_task(self._run(work, what, token), name=what)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _run(self, work: Work, what: str, token: str | None = None) -> None:
        try:
            await work()
            self.delivered += 1
        except asyncio.CancelledError:
            raise  # not done: a journaled delivery runs again at the next start
        except Exception:
            self.failed += 1
            log.exception("delivery failed: %s", what)
        state = durable.active()
        if token is not None and state is not None:
            state.delivery_done(token)

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
