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
