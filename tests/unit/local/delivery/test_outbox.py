"""The outbox: work submitted from moto's threads runs on the loop, and a graceful stop
delivers everything accepted before it (nothing lost, no task left behind)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from stratus.local.delivery.outbox import Outbox

pytestmark = pytest.mark.anyio


def submit_from_thread(outbox: Outbox, work: object, what: str = "work") -> None:
    """Submit as moto's request thread does (blocking the loop meanwhile: the submission is
    queued on the loop but not yet a task when the caller continues)."""
    thread = threading.Thread(target=outbox.submit, args=(work, what))
    thread.start()
    thread.join()


async def test_work_from_another_thread_runs_on_the_loop() -> None:
    outbox, loop = Outbox(), asyncio.get_running_loop()
    outbox.bind(loop)
    ran_on: list[object] = []

    async def work() -> None:
        ran_on.append(asyncio.get_running_loop())

    submit_from_thread(outbox, work)
    await outbox.drain()
    assert ran_on == [loop] and outbox.delivered == 1


async def test_drain_delivers_work_accepted_but_not_yet_on_the_loop() -> None:
    outbox = Outbox()
    outbox.bind(asyncio.get_running_loop())
    done: list[str] = []

    async def work() -> None:
        await asyncio.sleep(0.05)
        done.append("delivered")

    submit_from_thread(outbox, work)  # accepted: submit returned without dropping it
    await outbox.drain()
    assert done == ["delivered"]


async def test_drain_waits_for_work_that_pending_work_submits() -> None:
    outbox = Outbox()
    outbox.bind(asyncio.get_running_loop())
    done: list[str] = []

    async def second() -> None:
        await asyncio.sleep(0.02)
        done.append("second")

    async def first() -> None:
        await asyncio.sleep(0.02)
        await asyncio.to_thread(outbox.submit, second, "second")  # as SNS -> SQS does
        done.append("first")

    outbox.submit(first, "first")
    await outbox.drain()
    assert done == ["first", "second"]


async def test_a_failing_delivery_is_counted_and_the_others_still_run() -> None:
    outbox = Outbox()
    outbox.bind(asyncio.get_running_loop())

    async def broken() -> None:
        raise ConnectionError("target down")

    async def fine() -> None:
        await asyncio.sleep(0.01)

    outbox.submit(broken, "broken")
    outbox.submit(fine, "fine")
    await outbox.drain()
    assert (outbox.delivered, outbox.failed) == (1, 1)


async def test_a_drain_that_times_out_leaves_no_task_running() -> None:
    outbox = Outbox()
    outbox.bind(asyncio.get_running_loop())
    before = asyncio.all_tasks()

    async def stuck() -> None:
        await asyncio.sleep(30)

    outbox.submit(stuck, "stuck")
    await outbox.drain(timeout=0.1)
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


async def test_after_a_drain_work_is_refused_without_raising() -> None:
    outbox = Outbox()
    outbox.bind(asyncio.get_running_loop())
    await outbox.drain()
    ran: list[str] = []

    async def work() -> None:
        ran.append("x")

    outbox.submit(work, "late")
    submit_from_thread(outbox, work, "late from a thread")
    await asyncio.sleep(0.02)
    assert ran == []


def test_submitting_to_a_closed_loop_never_fails_the_caller() -> None:
    loop = asyncio.new_event_loop()
    outbox = Outbox()
    outbox.bind(loop)
    loop.close()

    async def work() -> None:
        pass

    outbox.submit(work, "after the loop closed")  # moto's write must not fail because of it
