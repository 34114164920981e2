"""The heap collapsed into huge pages before a snapshot's fork: which ranges are asked, and
what the kernel did (on this machine's kernel when it can, else that nothing is asked)."""

from __future__ import annotations

import mmap

import pytest

from stratus.local.core import hugepages
from stratus.local.core.hugepages import HUGE, PAGE, dense_ranges, heap_ranges

MAPS = """\
55d0c0000000-55d0c0a00000 rw-p 00000000 00:00 0                          [heap]
7f0000100000-7f0000500000 rw-p 00000000 00:00 0
7f0000600000-7f0000700000 rw-p 00000000 00:00 0
7f0000800000-7f0000c00000 r--p 00000000 00:00 0
7f1000000000-7f1000400000 rw-p 00001000 08:01 1234                       /usr/lib/libpython3.11.so
7ffc00000000-7ffc00400000 rw-p 00000000 00:00 0                          [stack]
"""


def test_only_private_anonymous_memory_is_considered_in_aligned_2_mib_parts() -> None:
    assert list(heap_ranges(MAPS)) == [
        (0x55D0C0000000, 0x55D0C0A00000),  # the heap, whole
        (0x7F0000200000, 0x7F0000400000),  # 4 MiB from 1 MiB: the one aligned 2 MiB inside
    ]  # 1 MiB mappings, read-only, file-backed and the stack are left alone


def test_a_range_is_collapsed_only_when_nearly_all_its_pages_are_present() -> None:
    per = HUGE // PAGE
    dense = bytes([1] * hugepages.DENSE + [0] * (per - hugepages.DENSE))
    sparse = bytes([1] * (hugepages.DENSE - 1) + [0] * (per - hugepages.DENSE + 1))
    full = bytes([1] * per)
    start = 0x7F0000000000
    assert list(dense_ranges(start, start + 3 * HUGE, dense + sparse + full)) == [
        start,
        start + 2 * HUGE,
    ]


def _huge_kib() -> int:
    try:
        with open("/proc/self/smaps_rollup") as fh:
            lines = [line for line in fh if line.startswith("AnonHugePages:")]
    except OSError:  # not Linux
        return 0
    return int(lines[0].split()[1]) if lines else 0


def test_dense_memory_is_collapsed_where_the_kernel_can() -> None:
    block = mmap.mmap(-1, 64 * HUGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)  # as the heap
    block.write(b"x" * len(block))  # every page present
    try:
        before = _huge_kib()
        done = hugepages.collapse_heap()
        if not hugepages.enabled():  # the kernel said no: nothing is asked from now on
            assert done.ranges == 0 and hugepages.collapse_heap().ranges == 0
            return
        assert done.ranges >= 63  # the block's aligned ranges at least
        assert _huge_kib() - before >= 63 * HUGE // 1024
        again = hugepages.collapse_heap()  # already huge: asked again, quickly
        # The block's ranges, already huge, succeed; the rest of this process's heap may not
        # (no free huge page while other processes fill the memory: tests on three workers).
        assert again.ranges - again.failed >= 63
    finally:
        block.close()


def test_it_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(hugepages.ENV, "0")
    assert hugepages.enabled() is False
    assert hugepages.collapse_heap().ranges == 0
