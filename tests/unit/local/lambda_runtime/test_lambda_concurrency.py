"""Lambda's concurrency rules throttle exactly where AWS would; the machine's worker bound
queues (fairly, with a bound on the wait) and never throttles; a worker that died while
idle is never handed a request."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from lambda_runtime_support import FIXTURES, function_resource

from stratus.local.core.settings import LocalSettings
from stratus.local.iam.credentials import CredentialStore
from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink
from stratus.local.lambda_runtime.capacity import (
    Estimates,
    LocalCapacityError,
    WorkerPool,
    cold_start_crowding,
    default_per_function_limit,
    default_worker_limit,
    warm_waits_enabled,
)
from stratus.local.lambda_runtime.concurrency import (
    ACCOUNT_LIMIT,
    RESERVED_LIMIT,
    AccountConcurrency,
    FunctionThrottledError,
    ReservationError,
)

pytestmark = pytest.mark.anyio


# -- AWS's rules ------------------------------------------------------------------------
def test_reserved_function_throttles_beyond_its_reservation_with_lambdas_reason() -> None:
    account = AccountConcurrency(1000)
    fc = account.reserve("orders", 2)
    leases = [account.acquire(fc), account.acquire(fc)]
    with pytest.raises(FunctionThrottledError) as caught:
        account.acquire(fc)
    assert caught.value.reason == RESERVED_LIMIT
    account.release(leases[0])
    account.acquire(fc)  # a freed slot is usable again


def test_reserved_concurrency_zero_throttles_every_call() -> None:
    account = AccountConcurrency(1000)
    with pytest.raises(FunctionThrottledError) as caught:
        account.acquire(account.reserve("off", 0))
    assert caught.value.reason == RESERVED_LIMIT


def test_unreserved_functions_share_the_account_limit_minus_reservations() -> None:
    account = AccountConcurrency(103)
    reserved = account.reserve("reserved", 3)
    a, b = account.function("a"), account.function("b")
    assert account.unreserved_limit == 100
    for i in range(100):
        account.acquire(a if i % 2 else b)
    with pytest.raises(FunctionThrottledError) as caught:
        account.acquire(a)
    assert caught.value.reason == ACCOUNT_LIMIT
    # The reservation is the reserved function's own: still available when the pool is full.
    for _ in range(3):
        account.acquire(reserved)


def test_reservations_must_leave_100_unreserved_as_lambda_requires() -> None:
    account = AccountConcurrency(1000)
    account.reserve("big", 850)
    account.reserve("small", 50)
    with pytest.raises(ReservationError, match=r"minimum value of \[100\]"):
        account.reserve("one-more", 1)
    account.reserve("big", 849)  # changing a reservation counts only the others
    account.reserve("one-more", 1)


def test_a_released_lease_is_counted_once() -> None:
    account = AccountConcurrency(1000)
    fc = account.function("f")
    lease = account.acquire(fc)
    account.release(lease)
    account.release(lease)
    assert fc.busy == 0 and account.unreserved_busy == 0


def test_default_worker_limit_follows_cores_and_memory() -> None:
    assert default_worker_limit(cpus=2, memory_mb=64_000) == 48  # a small machine's floor
    assert default_worker_limit(cpus=16, memory_mb=64_000) == 64
    assert default_worker_limit(cpus=2, memory_mb=6_000) == 30  # half of 6 GB at 100 MB
    assert default_worker_limit(cpus=16, memory_mb=1_000) == 5  # half of 1 GB at 100 MB
    assert default_worker_limit(cpus=1, memory_mb=100) == 2  # never below 2
    assert default_worker_limit(cpus=128, memory_mb=64_000) == 64  # at most 64


# -- the local bound, with fake workers --------------------------------------------------
class FakeWorker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.dead = False
        self.discarded = False

    def usable(self) -> bool:
        return not self.dead


def discarding(worker: FakeWorker) -> None:
    worker.discarded = True


async def test_beyond_the_local_bound_invocations_wait_then_run() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(1, max_wait_s=5, discard=discarding)
    assert await pool.checkout("f") is None  # a slot: cold start
    worker = FakeWorker("w1")
    waiting = asyncio.ensure_future(pool.checkout("f"))
    await asyncio.sleep(0.01)
    assert not waiting.done() and pool.waiting == 1
    pool.checkin("f", worker, reusable=True)
    assert await waiting is worker  # handed the warm worker, no throttle, no cold start
    assert pool.live == 1


async def test_the_wait_is_bounded() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(1, max_wait_s=0.05)
    await pool.checkout("f")
    with pytest.raises(LocalCapacityError, match=r"0\.05 s"):
        await pool.checkout("f")
    assert pool.waiting == 0
    pool.release_slot("f")
    assert await pool.checkout("f") is None  # the slot was not leaked by the timed-out waiter


async def test_unbounded_waits_for_queued_event_invocations() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(1, max_wait_s=0.01)
    await pool.checkout("f")
    waiting = asyncio.ensure_future(pool.checkout("f", bounded=False))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    pool.release_slot("f")
    assert await waiting is None


async def test_waiters_are_served_first_come_first_served_across_functions() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(1, max_wait_s=5, discard=discarding)
    await pool.checkout("a")
    order: list[str] = []

    async def wait(key: str) -> None:
        await pool.checkout(key)
        order.append(key)
        await asyncio.sleep(0)
        pool.release_slot(key)

    tasks = []
    for key in ("b", "a", "c", "a"):
        tasks.append(asyncio.ensure_future(wait(key)))
        await asyncio.sleep(0)  # queue in this order
    # A newcomer for "a" does not jump the queue even though "a" will have an idle worker.
    pool.checkin("a", FakeWorker("a1"), reusable=True)
    await asyncio.gather(*tasks)
    assert order == ["b", "a", "c", "a"]


async def test_a_full_machine_evicts_the_least_recently_used_idle_worker() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(2, max_wait_s=1, discard=discarding)
    old, recent = FakeWorker("old"), FakeWorker("recent")
    await pool.checkout("a")
    await pool.checkout("b")
    pool.checkin("a", old, reusable=True)
    pool.checkin("b", recent, reusable=True)
    assert await pool.checkout("c") is None  # room made by evicting "a"'s idle worker
    assert old.discarded and not recent.discarded
    assert pool.live == 2 and pool.idle_count("a") == 0 and pool.evicted == 1


async def test_a_full_machine_evicts_a_surplus_worker_before_another_functions_last() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(3, max_wait_s=1, discard=discarding)
    api, edge1, edge2 = FakeWorker("api"), FakeWorker("edge1"), FakeWorker("edge2")
    for key in ("api", "edge", "edge"):
        await pool.checkout(key)
    pool.checkin("api", api, reusable=True)  # the oldest idle worker, but the API's only one
    pool.checkin("edge", edge1, reusable=True)
    pool.checkin("edge", edge2, reusable=True)
    assert await pool.checkout("other") is None
    assert edge1.discarded and not edge2.discarded and not api.discarded
    assert pool.idle_count("api") == 1 and pool.idle_count("edge") == 1
    assert await pool.checkout("other2") is None  # no surplus left: the oldest of all goes
    assert api.discarded and not edge2.discarded


async def test_a_worker_dead_while_idle_is_skipped_and_its_slot_reused() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(2, max_wait_s=1, discard=discarding)
    warm, dead = FakeWorker("warm"), FakeWorker("dead")
    await pool.checkout("f")
    await pool.checkout("f")
    pool.checkin("f", warm, reusable=True)
    pool.checkin("f", dead, reusable=True)
    dead.dead = True
    assert await pool.checkout("f") is warm  # the dead one (most recent) is never handed out
    assert dead.discarded and pool.dead_replaced == 1
    assert await pool.checkout("f") is None  # its slot is free for a cold start
    assert pool.live == 2


# -- the real runtime --------------------------------------------------------------------
@pytest.fixture
async def small_machine(
    settings: LocalSettings, credentials: CredentialStore, sink: MemoryLogSink
) -> AsyncIterator[LambdaRuntime]:
    """A runtime on a machine that can run one worker at a time."""
    rt = LambdaRuntime(settings, credentials, log_sink=sink, local_workers=1, local_wait_s=10)
    yield rt
    await rt.aclose()


def add(runtime: LambdaRuntime, name: str, asset: str, **props: Any) -> None:
    runtime.register(function_resource(name, **props), FIXTURES / asset)


async def call(runtime: LambdaRuntime, name: str, event: Any = None) -> tuple[Any, str | None]:
    result = await runtime.invoke(name, json.dumps(event or {}).encode())
    return json.loads(result.payload), result.function_error


async def test_more_calls_than_local_workers_queue_and_all_succeed(
    small_machine: LambdaRuntime,
) -> None:
    # Timeout 1 s, three calls of 0.4 s through one worker: 1.2 s in all. Each succeeds,
    # because a function's timeout runs from when it starts, not from when it queued.
    add(small_machine, "sleepy", "sleepy", Timeout=1)
    results = await asyncio.gather(
        *(call(small_machine, "sleepy", {"sleep": 0.4}) for _ in range(3))
    )
    assert [error for _, error in results] == [None, None, None]
    assert len({body["pid"] for body, _ in results}) == 1  # one worker, reused
    stats = small_machine.stats()["sleepy"]
    assert stats.throttles == 0 and stats.cold_starts == 1
    assert small_machine.pool.waited == 2


async def test_local_bound_is_shared_across_functions(small_machine: LambdaRuntime) -> None:
    add(small_machine, "sleepy", "sleepy")
    add(small_machine, "hello", "hello")
    slow = asyncio.ensure_future(call(small_machine, "sleepy", {"sleep": 0.3}))
    await asyncio.sleep(0.05)
    body, error = await call(small_machine, "hello", {"x": 1})  # waits, then evicts
    assert error is None and body["echo"] == {"x": 1}
    assert (await slow)[1] is None
    assert small_machine.pool.live == 1


async def test_account_limit_throttles_unreserved_functions(
    settings: LocalSettings, credentials: CredentialStore, sink: MemoryLogSink
) -> None:
    rt = LambdaRuntime(settings, credentials, log_sink=sink, account_concurrency=1)
    try:
        add(rt, "sleepy", "sleepy")
        results = await asyncio.gather(
            call(rt, "sleepy", {"sleep": 0.3}),
            call(rt, "sleepy", {"sleep": 0.3}),
            return_exceptions=True,
        )
        throttled = [r for r in results if isinstance(r, FunctionThrottledError)]
        assert len(throttled) == 1 and throttled[0].reason == ACCOUNT_LIMIT
    finally:
        await rt.aclose()


async def test_a_reservation_the_account_cannot_hold_is_refused_at_registration(
    settings: LocalSettings, credentials: CredentialStore, sink: MemoryLogSink
) -> None:
    rt = LambdaRuntime(settings, credentials, log_sink=sink, account_concurrency=150)
    try:
        with pytest.raises(ReservationError):
            add(rt, "greedy", "hello", ReservedConcurrentExecutions=60)
    finally:
        await rt.aclose()


def exited(pid: int) -> bool:
    """Gone or a zombie: its file descriptors are closed (the event loop may not know yet)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in "ZX"
    except (FileNotFoundError, ProcessLookupError):  # reaped between open() and read()
        return True


async def test_a_worker_killed_while_idle_costs_no_request(runtime: LambdaRuntime) -> None:
    add(runtime, "hello", "hello")
    first, _ = await call(runtime, "hello")
    pid = first["pid"]
    os.kill(pid, signal.SIGKILL)  # as the OOM killer or a user would, while it is idle
    while not exited(pid):  # kill() returns before the process is gone
        await asyncio.sleep(0.001)
    body, error = await call(runtime, "hello")
    assert error is None and body["pid"] != pid
    assert runtime.pool.dead_replaced == 1
    assert runtime.stats()["hello"].cold_starts == 2


async def test_usable_notices_a_dead_worker_before_the_event_loop_does(
    runtime: LambdaRuntime,
) -> None:
    add(runtime, "hello", "hello")
    first, _ = await call(runtime, "hello")
    (worker,) = runtime._workers
    assert worker.usable()
    os.kill(first["pid"], signal.SIGKILL)
    while not exited(first["pid"]):
        time.sleep(0.001)  # blocking on purpose: the loop sees neither EOF nor the exit
    assert worker.process.returncode is None and not worker._reader.at_eof()
    assert not worker.usable()  # the socket peek reads EOF


def test_one_function_gets_its_share_not_the_whole_machine() -> None:
    assert default_per_function_limit(cpus=2) == 16
    assert default_per_function_limit(cpus=8) == 32


async def test_a_function_at_its_share_waits_for_its_own_worker_and_others_pass() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(10, max_wait_s=1, discard=discarding,
                                              per_key_limit=2)  # fmt: skip
    assert await pool.checkout("api") is None
    assert await pool.checkout("api") is None
    third = asyncio.ensure_future(pool.checkout("api"))  # at its share: waits
    await asyncio.sleep(0)
    assert not third.done() and pool.waiting == 1
    # Another function is not held back by the waiting one: it cold-starts at once.
    assert await asyncio.wait_for(pool.checkout("queue"), 0.5) is None
    assert pool.live == 3
    warm = FakeWorker("api1")
    pool.checkin("api", warm, reusable=True)  # the API's own worker serves its waiter
    assert await asyncio.wait_for(third, 0.5) is warm
    assert pool.live == 3 and pool.waiting == 0


async def test_a_share_is_freed_by_dropped_workers_and_failed_cold_starts() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(10, max_wait_s=1, discard=discarding,
                                              per_key_limit=1)  # fmt: skip
    assert await pool.checkout("f") is None
    waiting = asyncio.ensure_future(pool.checkout("f"))
    await asyncio.sleep(0)
    pool.release_slot("f")  # the first cold start raised: the waiter gets the slot
    assert await asyncio.wait_for(waiting, 0.5) is None
    again = asyncio.ensure_future(pool.checkout("f"))
    await asyncio.sleep(0)
    pool.checkin("f", FakeWorker("crashed"), reusable=False)
    assert await asyncio.wait_for(again, 0.5) is None
    assert pool.live == 1


# -- a busy warm worker soon free, rather than a cold start ------------------------------
SHORT = Estimates(warm_s=0.02, cold_s=1.0)  # invocations short against the cold start


async def test_a_short_function_waits_for_its_busy_worker_instead_of_a_cold_start() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(10, max_wait_s=1, discard=discarding)
    assert await pool.checkout("api", estimates=SHORT) is None  # nothing busy: cold start
    second = asyncio.ensure_future(pool.checkout("api", estimates=SHORT))
    await asyncio.sleep(0.01)
    assert not second.done()  # waits for the busy worker, no second slot taken
    assert pool.live == 1
    warm = FakeWorker("w1")
    pool.checkin("api", warm, reusable=True)
    assert await asyncio.wait_for(second, 0.5) is warm
    assert pool.live == 1 and pool.warm_waits_served == 1


async def test_the_warm_wait_is_bounded_by_half_a_cold_start_then_it_cold_starts() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(10, max_wait_s=1, discard=discarding)
    quick = Estimates(warm_s=0.001, cold_s=0.1)
    await pool.checkout("api", estimates=quick)
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await pool.checkout("api", estimates=quick) is None  # its own slot, after 0.05 s
    assert 0.04 <= loop.time() - began < 0.5
    assert pool.live == 2 and pool.warm_waits == 1 and pool.warm_waits_served == 0


async def test_long_or_crowded_invocations_scale_out_at_once_as_on_aws() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(10, max_wait_s=1, discard=discarding)
    slow = Estimates(warm_s=2.0, cold_s=1.0)  # a warm invocation outlasts a cold start
    await pool.checkout("slow", estimates=slow)
    assert await asyncio.wait_for(pool.checkout("slow", estimates=slow), 0.01) is None
    # Short invocations, but so many already waiting that the wait would be long.
    assert Estimates(warm_s=0.2, cold_s=1.0).warm_wait(busy=1, queued=3) is None
    assert Estimates(warm_s=0.2, cold_s=1.0).warm_wait(busy=4, queued=3) == 0.5
    # Unmeasured functions (no estimates) scale out at once.
    await pool.checkout("new")
    assert await asyncio.wait_for(pool.checkout("new"), 0.01) is None
    assert pool.warm_waits == 0


async def test_cold_starts_under_way_lengthen_the_wait_for_a_warm_worker() -> None:
    # Alone, a 0.3 s warm invocation is not worth waiting for against a 0.5 s cold start;
    # with five cold starts already sharing two cores, one begun now takes ~3x as long.
    alone = Estimates(warm_s=0.3, cold_s=0.5)
    assert alone.warm_wait(busy=1, queued=0) is None
    crowded = Estimates(warm_s=0.3, cold_s=0.5, crowding=cold_start_crowding(5, cpus=2))
    assert crowded.warm_wait(busy=1, queued=0) == pytest.approx(0.75)
    pool: WorkerPool[FakeWorker] = WorkerPool(10, max_wait_s=1, discard=discarding)
    await pool.checkout("api", estimates=crowded)
    second = asyncio.ensure_future(pool.checkout("api", estimates=crowded))
    await asyncio.sleep(0.05)
    assert not second.done() and pool.live == 1  # waiting, no second cold start
    warm = FakeWorker("w1")
    pool.checkin("api", warm, reusable=True)
    assert await asyncio.wait_for(second, 0.5) is warm


def test_crowding_counts_cold_starts_beyond_the_cores() -> None:
    assert cold_start_crowding(0, cpus=2) == 1.0
    assert cold_start_crowding(1, cpus=2) == 1.0  # two cold starts, two cores
    assert cold_start_crowding(3, cpus=2) == 2.0
    assert cold_start_crowding(7, cpus=8) == 1.0
    assert cold_start_crowding(0) == 1.0  # this machine's cores by default


async def test_a_cancelled_warm_waiter_passes_its_worker_on() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(10, max_wait_s=1, discard=discarding)
    await pool.checkout("api", estimates=SHORT)
    first = asyncio.ensure_future(pool.checkout("api", estimates=SHORT))
    second = asyncio.ensure_future(pool.checkout("api", estimates=SHORT))
    await asyncio.sleep(0.01)
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    warm = FakeWorker("w1")
    pool.checkin("api", warm, reusable=True)
    assert await asyncio.wait_for(second, 0.5) is warm
    assert pool.live == 1 and pool.idle_count("api") == 0


def test_the_warm_wait_setting_turns_it_off(
    monkeypatch: pytest.MonkeyPatch, settings: LocalSettings, credentials: CredentialStore
) -> None:
    def runtime_waits() -> bool:
        made = LambdaRuntime(settings, credentials, log_sink=MemoryLogSink())
        return made._warm_waits

    monkeypatch.delenv("STRATUS_LAMBDA_WARM_WAIT", raising=False)
    assert warm_waits_enabled() and runtime_waits()
    for off in ("0", "off", "False"):
        monkeypatch.setenv("STRATUS_LAMBDA_WARM_WAIT", off)
        assert not warm_waits_enabled() and not runtime_waits()


async def test_a_function_held_at_its_share_does_not_stop_others_waiting_for_warm_workers() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(10, max_wait_s=1, discard=discarding,
                                              per_key_limit=2)  # fmt: skip
    assert await pool.checkout("events") is None
    assert await pool.checkout("events") is None
    held = asyncio.ensure_future(pool.checkout("events", bounded=False))  # at its share
    await asyncio.sleep(0)
    assert await pool.checkout("api", estimates=SHORT) is None
    second = asyncio.ensure_future(pool.checkout("api", estimates=SHORT))
    await asyncio.sleep(0.01)
    assert not second.done() and pool.live == 3  # waits for the API's busy worker
    warm = FakeWorker("api1")
    pool.checkin("api", warm, reusable=True)
    assert await asyncio.wait_for(second, 0.5) is warm
    assert not held.done()  # still held by its own share, still first for its own worker
    events_worker = FakeWorker("events1")
    pool.checkin("events", events_worker, reusable=True)
    assert await asyncio.wait_for(held, 0.5) is events_worker


async def test_a_function_waiting_in_line_is_not_passed_by_its_own_next_invocation() -> None:
    pool: WorkerPool[FakeWorker] = WorkerPool(1, max_wait_s=1, discard=discarding)
    assert await pool.checkout("api", estimates=SHORT) is None
    first = asyncio.ensure_future(pool.checkout("other"))  # the machine is full: in line
    await asyncio.sleep(0)
    second = asyncio.ensure_future(pool.checkout("api", estimates=SHORT))
    await asyncio.sleep(0.01)
    assert pool.warm_waits == 0  # behind a waiter for the machine: no warm wait of its own
    pool.checkin("api", FakeWorker("api1"), reusable=True)  # evicted for the first in line
    assert await asyncio.wait_for(first, 0.5) is None
    second.cancel()
