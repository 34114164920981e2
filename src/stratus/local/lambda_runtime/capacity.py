"""The local machine's bound on worker processes, and the fair queue in front of it.

Lambda gives each concurrent invocation its own execution environment; locally each is a
worker process, and this machine can only run so many. That bound is not an AWS limit, so
exceeding it never throttles: the invocation waits, first come first served across every
function, for a worker to come free (or for an idle worker of another function to be
evicted: a function's surplus warm workers first, oldest first), up to `max_wait_s`. The
function's own timeout starts when it starts running, after the wait.

A warm worker soon free beats a new one: when a function has no idle worker but busy ones,
and its invocations are short against its cold starts, `checkout` may wait briefly for one
of them (`Estimates`, below) instead of starting another. AWS would start a new execution
environment; on a laptop's few cores that cold start (1-3 s of CPU: interpreter, imports,
first clients) takes the CPU the busy workers need and answers later than the warm worker
would have: measured, a burst of 40 orders from 4 clients through a chain of functions
(API, stream, queues, topic) made 12-20 cold starts and ran 4.6-4.7 orders/s; with the
wait, 7-10 cold starts and 5.2-5.8 orders/s. Functions whose invocations are long against
their cold start (or not yet measured) scale out at once, as on AWS, so concurrency still
runs concurrently. A cold start's cost is judged as one begun now would pay: the cold
starts already under way share the cores with it (`cold_start_crowding`); measured, six
bursts each way alternated (that burst of 40 orders alone): 3.9-7.3 orders/s (mean 5.8)
and 8-15 cold starts (mean 11.5) without, 5.5-10.4 (mean 7.1) and 6-13 (mean 9.0) with.

Workers are counted while they live (busy or idle), because an idle worker still holds its
memory. A worker taken from the idle list is checked first (`usable()`: its process still
runs and its socket has not reached EOF), so one killed while idle is replaced by a cold
start instead of being handed the request.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

DEFAULT_MAX_WAIT_S = 30.0
WORKER_MEMORY_MB = 100  # a warm Python worker with boto3 and Powertools loaded (RSS)
WORKERS_PER_CPU = 4  # handlers mostly wait on AWS calls, so a core carries several
# A system of many functions keeps its warm workers: an idle worker costs memory, not CPU,
# so a small machine still holds this many (when its memory allows). A chain of functions
# (API -> stream -> queue -> topic -> queue ...) under a burst keeps several environments
# per link: each SQS mapping runs five concurrent batches from the start
# (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html), so eight
# links want ~40. Below that bound the pool evicts warm workers to cold-start others, and
# on 2 cores a cold start (1-3 s of CPU: imports, first clients) costs far more than the
# idle worker it replaced: measured, a 40-order burst through an 8-function chain made
# ~100 cold starts at 16 workers and 24 at 48, and ran twice as fast.
MIN_DEFAULT_WORKERS = 48
MAX_DEFAULT_WORKERS = 64
# One function's own share: on 2 cores a 49th concurrent request of one API gains nothing
# from a cold start that costs 1-3 s of the CPU its warm workers need (measured: fifty
# users on one function ran 210 req/s, p99 1.5x p50, with 16 workers; 126 req/s, p99 36x,
# when it could take 48). A function at its share waits for one of its own warm workers.
MIN_WORKERS_PER_FUNCTION = 16
WARM_WAIT_SHARE = 0.5  # of a cold start: the most an invocation waits for a warm worker
ESTIMATE_WEIGHT = 0.2  # of the newest sample in a function's moving averages
WARM_WAIT_ENV = "STRATUS_LAMBDA_WARM_WAIT"  # "0": scale out at once, as AWS does


def warm_waits_enabled() -> bool:
    return os.environ.get(WARM_WAIT_ENV, "1").strip().lower() not in ("0", "off", "false")


@dataclass(frozen=True)
class Estimates:
    """What one function's invocations take: a warm invocation and a cold start (seconds),
    and how crowded the cores are by cold starts already under way (`crowding`)."""

    warm_s: float
    cold_s: float
    crowding: float = 1.0  # a cold start begun now takes this many times `cold_s`

    def warm_wait(self, busy: int, queued: int) -> float | None:
        """How long to wait for one of `busy` workers rather than cold-start (None: do not),
        with `queued` invocations already waiting for them. Waiting pays when the expected
        wait (`queued + 1` invocations shared by `busy` workers) is under half a cold start
        as long as one begun now would take; the wait is bounded by that half, so a wrong
        guess costs at most 1.5 cold starts."""
        if busy < 1:
            return None
        budget = self.cold_s * self.crowding * WARM_WAIT_SHARE
        expected = self.warm_s * (queued + 1) / busy
        return budget if expected < budget else None


def cold_start_crowding(under_way: int, cpus: int | None = None) -> float:
    """How many times longer a cold start begun now takes than one alone: a cold start is
    CPU work (an interpreter, imports, first clients), so with `under_way` others it shares
    the cores `under_way + 1` ways once they outnumber the cores. The measured `cold_s` is
    mostly of cold starts that ran alone (`up`'s first requests, a quiet moment), so a burst
    that starts several at once (a chain of functions, each SQS mapping's five batches)
    would otherwise wait too little for the warm workers and start more."""
    cpus = cpus if cpus is not None else usable_cpus()
    return max(1.0, (under_way + 1) / max(cpus, 1))


@functools.cache
def usable_cpus() -> int:
    """The cores this process may run on (its affinity where the OS tells), read once."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class LocalCapacityError(TimeoutError):
    """No local worker came free within the wait bound (a local limit, not an AWS one: never
    a throttle). A TimeoutError, so callers that bound an invocation's time (the gateway's
    integration timeout) answer it as they answer their own timeout."""


class PooledWorker(Protocol):
    def usable(self) -> bool:
        """Alive and able to take a request (cheap: no I/O that can block)."""
        ...


W = TypeVar("W", bound=PooledWorker)


def available_memory_mb() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
        return int(pages * size // (1024 * 1024))
    except (ValueError, OSError, AttributeError):
        return None


def default_worker_limit(cpus: int | None = None, memory_mb: int | None = None) -> int:
    """What this machine can run: WORKERS_PER_CPU per core but at least MIN_DEFAULT_WORKERS,
    at most half the available memory at WORKER_MEMORY_MB per worker, between 2 and
    MAX_DEFAULT_WORKERS."""
    cpus = cpus if cpus is not None else (os.cpu_count() or 1)
    memory_mb = memory_mb if memory_mb is not None else available_memory_mb()
    limit = max(cpus * WORKERS_PER_CPU, MIN_DEFAULT_WORKERS)
    if memory_mb is not None:
        limit = min(limit, memory_mb // 2 // WORKER_MEMORY_MB)
    return max(2, min(limit, MAX_DEFAULT_WORKERS))


def default_per_function_limit(cpus: int | None = None) -> int:
    """One function's share of the workers: WORKERS_PER_CPU per core, at least
    MIN_WORKERS_PER_FUNCTION."""
    cpus = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(cpus * WORKERS_PER_CPU, MIN_WORKERS_PER_FUNCTION)


class WorkerPool(Generic[W]):
    """Idle workers per key (a function version), a global bound on live workers, a
    bound per key (`per_key_limit`: one function's share), and a FIFO of invocations
    waiting for one (a waiter held back only by its own key's share lets later ones pass).

    `checkout(key)` answers an idle worker of `key` (most recently used first, as Lambda
    prefers warm environments), or None: the caller holds a slot and must cold-start a
    worker in it. Every checkout ends with `checkin` (the worker, reusable or not) or
    `release_slot` (the cold start failed before a worker existed).
    """

    def __init__(
        self,
        limit: int,
        *,
        max_wait_s: float | None = DEFAULT_MAX_WAIT_S,
        discard: Callable[[W], None] = lambda worker: None,
        per_key_limit: int | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError("the local worker limit must be at least 1")
        self.limit = limit
        self.per_key_limit = min(per_key_limit or limit, limit)
        self._live_by_key: dict[Hashable, int] = {}
        self.max_wait_s = max_wait_s
        self._discard = discard  # kills and reaps a worker the pool drops
        self._live = 0
        self._idle: dict[Hashable, list[W]] = {}
        self._lru: OrderedDict[W, Hashable] = OrderedDict()  # idle workers, oldest first
        self._waiters: deque[tuple[Hashable, asyncio.Future[W | None]]] = deque()
        # Invocations waiting a moment for a busy worker of their key (Estimates.warm_wait).
        self._warm_waiters: dict[Hashable, deque[asyncio.Future[W]]] = {}
        self.waited = 0  # invocations that had to queue (for tests and benches)
        self.dead_replaced = 0  # idle workers found dead at checkout
        self.evicted = 0  # idle workers dropped to make room for another's cold start
        self.warm_waits = 0  # invocations that waited for a busy worker ...
        self.warm_waits_served = 0  # ... and got one (the rest cold-started after all)

    @property
    def live(self) -> int:
        return self._live

    @property
    def waiting(self) -> int:
        return sum(1 for _, fut in self._waiters if not fut.done())

    def idle_count(self, key: Hashable) -> int:
        return len(self._idle.get(key, ()))

    async def checkout(
        self, key: Hashable, *, bounded: bool = True, estimates: Estimates | None = None
    ) -> W | None:
        """An idle worker of `key`, or None with a slot reserved for a cold start. With
        `estimates`, first waits a moment for a busy worker of `key` when that is likely
        sooner than a cold start (module docstring). Waits in line when the machine is
        full; LocalCapacityError after `max_wait_s` (unless not `bounded`: queued Event
        invocations wait as long as it takes)."""
        if not self._in_line_before(key):
            if estimates is not None and not self._idle.get(key):
                waiting = self._warm_waiters.get(key)
                busy = self._live_by_key.get(key, 0)
                within = estimates.warm_wait(busy, len(waiting) if waiting else 0)
                if within is not None:
                    warm = await self._await_warm(key, within)
                    if warm is not None:
                        return warm
            found, worker = self._take(key)
            if found:
                return worker
        bound = self.max_wait_s if bounded else None
        future: asyncio.Future[W | None] = asyncio.get_running_loop().create_future()
        self._waiters.append((key, future))
        self.waited += 1
        self._dispatch()  # waiters held back by their own share do not hold this one back
        try:
            async with asyncio.timeout(bound):
                return await asyncio.shield(future)
        except (TimeoutError, asyncio.CancelledError) as exc:
            if future.done() and not future.cancelled():
                self._give_back(key, future.result())  # granted just as we gave up
            else:
                future.cancel()
            if isinstance(exc, TimeoutError):
                raise LocalCapacityError(
                    f"no local Lambda worker came free within {bound:g} s "
                    f"({self.limit} workers, the local machine's bound)"
                ) from None
            raise

    def checkin(self, key: Hashable, worker: W, *, reusable: bool) -> None:
        """The invocation is over: hand `worker` to an invocation waiting for a warm one of
        `key`, else keep it idle for `key`, or drop it (the caller has killed it or will)."""
        if reusable and worker.usable():
            if self._hand_warm(key, worker):
                return
            self._idle.setdefault(key, []).append(worker)
            self._lru[worker] = key
        else:
            self._drop(key)
        self._dispatch()

    def release_slot(self, key: Hashable) -> None:
        """A slot reserved for `key` that never got a worker (the cold start raised)."""
        self._drop(key)
        self._dispatch()

    def retire(self, key: Hashable) -> list[W]:
        """Drop every idle worker of `key` (re-deployed code); the caller kills them."""
        workers = self._idle.pop(key, [])
        for worker in workers:
            self._lru.pop(worker, None)
            self._drop(key)
        self._dispatch()
        return workers

    def clear(self) -> list[W]:
        """Every idle worker, dropped (shutdown); waiters keep waiting until cancelled."""
        workers = list(self._lru)
        for owner in self._lru.values():
            self._drop(owner)
        self._idle.clear()
        self._lru.clear()
        return workers

    # -- internals ---------------------------------------------------------------------
    def _in_line_before(self, key: Hashable) -> bool:
        """Whether an invocation already waits that one of `key` must not pass: one waiting
        for the machine, or one of `key` itself. One held back only by its own function's
        share is passed by others anyway (`_dispatch`), so it neither sends them to the back
        of the line nor stops them waiting a moment for their own warm workers (it did: a
        burst holding one function at its share made every other function cold-start)."""
        for waiting, future in self._waiters:
            if future.done():
                continue
            if waiting == key or not self._at_share(waiting):
                return True
        return False

    def _at_share(self, key: Hashable) -> bool:
        """`key` has as many live workers (busy, idle or starting) as one function may."""
        return self._live_by_key.get(key, 0) >= self.per_key_limit

    async def _await_warm(self, key: Hashable, within: float) -> W | None:
        """A worker of `key` checked in within `within` seconds, else None."""
        future: asyncio.Future[W] = asyncio.get_running_loop().create_future()
        self._warm_waiters.setdefault(key, deque()).append(future)
        self.warm_waits += 1
        try:
            async with asyncio.timeout(within):
                worker = await asyncio.shield(future)
        except TimeoutError:
            if future.done() and not future.cancelled():  # handed over just as time ran out
                worker = future.result()
            else:
                future.cancel()
                return None
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.checkin(key, future.result(), reusable=True)
            else:
                future.cancel()
            raise
        finally:
            self._forget_warm_waiter(key, future)
        self.warm_waits_served += 1
        return worker

    def _hand_warm(self, key: Hashable, worker: W) -> bool:
        """Give `worker` to the longest-waiting invocation waiting for a warm one of `key`."""
        waiting = self._warm_waiters.get(key)
        while waiting:
            future = waiting.popleft()
            if not future.done():
                future.set_result(worker)
                return True
        return False

    def _forget_warm_waiter(self, key: Hashable, future: asyncio.Future[W]) -> None:
        waiting = self._warm_waiters.get(key)
        if waiting is None:
            return
        if future in waiting:
            waiting.remove(future)
        if not waiting:
            del self._warm_waiters[key]

    def _drop(self, key: Hashable) -> None:
        """A live worker (or reserved slot) of `key` is gone."""
        self._live -= 1
        left = self._live_by_key.get(key, 0) - 1
        if left > 0:
            self._live_by_key[key] = left
        else:
            self._live_by_key.pop(key, None)

    def _reserve(self, key: Hashable) -> None:
        self._live += 1
        self._live_by_key[key] = self._live_by_key.get(key, 0) + 1

    def _take(self, key: Hashable) -> tuple[bool | None, W | None]:
        """(True, worker) or (True, None: a slot reserved); (False, None) when `key` is at its
        share (its own checkin frees it); (None, None) when the machine is full."""
        idle = self._idle.get(key)
        while idle:
            worker = idle.pop()
            del self._lru[worker]
            if worker.usable():
                return True, worker
            # Died while idle (killed, OOM): never handed a request; its slot is free again.
            self.dead_replaced += 1
            self._drop(key)
            self._discard(worker)
        if self._at_share(key):
            return False, None
        if self._live < self.limit:
            self._reserve(key)
            return True, None
        victim = self._eviction_victim()
        if victim is not None:  # full: make room by evicting an idle worker
            worker, owner = victim
            del self._lru[worker]
            self._idle[owner].remove(worker)
            self._discard(worker)
            self._drop(owner)
            self.evicted += 1
            self._reserve(key)
            return True, None  # the evicted worker's slot is handed over
        return None, None

    def _eviction_victim(self) -> tuple[W, Hashable] | None:
        """The least recently used idle worker of a function that keeps another one warm;
        only when none has a spare, the least recently used of all. A burst of one function
        (e.g. an edge function in a read storm) then trims its own surplus before it takes
        the last warm worker of another (an API nobody called meanwhile): on AWS one
        function's scale-out never cold-starts another's environments."""
        for worker, owner in self._lru.items():  # oldest first
            if len(self._idle[owner]) > 1:
                return worker, owner
        return next(iter(self._lru.items()), None)

    def _dispatch(self) -> None:
        """Serve waiters first come first served; one held back by its own key's share is
        passed over, one held back by the full machine stops the line (FIFO across keys)."""
        passed: deque[tuple[Hashable, asyncio.Future[W | None]]] = deque()
        while self._waiters:
            key, future = self._waiters.popleft()
            if future.done():  # gave up waiting
                continue
            found, worker = self._take(key)
            if found is None:  # the machine is full: this one stays first in line
                self._waiters.appendleft((key, future))
                break
            if found:
                future.set_result(worker)
            else:
                passed.append((key, future))
        self._waiters.extendleft(reversed(passed))

    def _give_back(self, key: Hashable, worker: W | None) -> None:
        if worker is None:
            self.release_slot(key)
        else:
            self.checkin(key, worker, reusable=True)
