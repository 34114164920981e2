"""Start-up's heap is collected once, then frozen; what comes after is still collected."""

from __future__ import annotations

import gc
import weakref

from stratus.local.core import heap


class _Node:
    other: object = None


def _cycle() -> weakref.ref[_Node]:
    node = _Node()
    node.other = node
    return weakref.ref(node)


def test_settle_collects_start_up_garbage_then_freezes_the_survivors() -> None:
    gone = _cycle()
    kept = _Node()
    try:
        frozen = heap.settle()
        assert gone() is None  # collected before the freeze, not frozen for good
        assert frozen == gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # in the permanent generation
    finally:
        gc.unfreeze()


def test_cycles_made_after_settling_are_still_collected() -> None:
    try:
        heap.settle()
        later = _cycle()
        gc.collect()
        assert later() is None
    finally:
        gc.unfreeze()


def _rss_anon_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise AssertionError("no RssAnon")


def test_trim_hands_freed_heap_pages_back_to_the_kernel() -> None:
    """40 MB of malloc-sized blocks freed between survivors stay resident until trimmed."""
    if heap._malloc_trim() is None:  # not glibc: nothing to hand back
        assert heap.trim() is False
        return
    heap.trim()
    blocks = [bytes(2000) + bytes([i % 256]) for i in range(20_000)]
    survivors = blocks[::20]  # one block in 20 stays: free() cannot shrink the heap's top
    before = _rss_anon_kb()
    del blocks
    freed = _rss_anon_kb()
    assert heap.trim() is True
    after = _rss_anon_kb()
    assert before - freed < 8_000  # free() alone keeps the pages
    assert freed - after > 20_000  # trimming gives most of the 40 MB back
    assert len(survivors) == 1_000
