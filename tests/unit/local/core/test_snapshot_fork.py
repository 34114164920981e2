"""The snapshot's fork: the child is born a batch task (it cannot preempt the parent that
holds the write lock), and the parent's thread gets its own policy back."""

from __future__ import annotations

import os

from stratus.local.core.snapshots import _batch_policy


def test_the_child_is_born_a_batch_task_and_the_parent_gets_its_policy_back() -> None:
    before = os.sched_getscheduler(0)
    read_end, write_end = os.pipe()
    with _batch_policy():
        assert os.sched_getscheduler(0) == os.SCHED_BATCH
        pid = os.fork()
    if pid == 0:
        os.write(write_end, str(os.sched_getscheduler(0)).encode())
        os._exit(0)
    os.close(write_end)
    child_policy = int(os.read(read_end, 16))
    os.close(read_end)
    os.waitpid(pid, 0)
    assert child_policy == os.SCHED_BATCH
    assert os.sched_getscheduler(0) == before
