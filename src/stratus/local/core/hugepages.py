"""Fewer page tables for the snapshot's fork: the dense heap in transparent huge pages.

Why. A snapshot forks the process (`core.snapshots`); the fork is the only write pause, and
nearly all of it is the kernel copying the parent's page tables, one entry per 4 KiB page
of private memory, under the GIL: ~11 ms of CPU for a 320 MB cloud (80,000 entries, 2-core
machine), more in wall time when the cores are busy. A 2 MiB range mapped by one transparent
huge page costs the fork one entry instead of 512. So before each fork, outside the write
lock and without the GIL (ctypes releases it), `collapse_heap` asks the kernel to collapse
every dense 2 MiB range of the process's private anonymous memory (the malloc heap,
CPython's arenas) into a huge page: `madvise(MADV_COLLAPSE)`, Linux 6.1+,
https://man7.org/linux/man-pages/man2/madvise.2.html. Measured (2 cores, a 280 MB Python
heap, fork CPU time): 8-9 ms -> 1.2-3 ms; a cloud seeding a large state (`make bench
ARGS="--only state"`): p50 11.0 -> 3.1-3.4 ms.

Cost. Copy-on-write after a fork is per 4 KiB page (Linux 5.8+), so every huge page the
parent writes while the child pickles is split back into small pages; the next snapshot
collapses those again: a copy of each, 0.4-2.5 ms of kernel time per MB measured (100-500
ms for 200 MB on the loaded machine), in the snapshot's thread before its pause; ranges
still huge cost a syscall each. While one range is copied the kernel holds the process's
mmap lock, so another thread's page fault may wait for that one range (~0.2 ms). Only
ranges with at least 15/16 of their pages present are collapsed, so memory grows by at most
1/16 of what is collapsed.

Rejected: THP "always" (a system setting, not ours to change), `MADV_HUGEPAGE` on the heap
(every later fault in it would take a whole 2 MiB, also for sparse thread arenas),
`PYTHONMALLOC=malloc` with glibc's hugetlb tunable (a re-exec, and slower allocation);
pickling in a thread with short locks per service (the C pickler holds the GIL, so one large
service -- a DynamoDB table of 5,000 items -- pauses everything for ~290 ms); `gc.freeze`
alone (already done around the fork: it spares copy-on-write in the child, not the page
table copy). Where it cannot work -- not Linux, a kernel before 6.1, THP "never" -- the
first call finds out (EINVAL) and it does nothing from then on: the fork copies 4 KiB
entries as before. `STRATUS_SNAPSHOT_HUGEPAGES=0` turns it off (to measure).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

log = logging.getLogger("stratus.state")

ENV = "STRATUS_SNAPSHOT_HUGEPAGES"
MADV_COLLAPSE = 25  # include/uapi/asm-generic/mman-common.h
HUGE = 1 << 21  # a PMD-mapped transparent huge page on x86-64 and arm64 (4 KiB base pages)
PAGE = 4096
DENSE = HUGE // PAGE * 15 // 16  # pages present for a range to be worth collapsing

_unsupported = sys.platform != "linux" or os.sysconf("SC_PAGE_SIZE") != PAGE


@dataclass
class Collapse:
    """What one `collapse_heap` did."""

    ranges: int = 0  # dense 2 MiB ranges asked (already huge ones included)
    failed: int = 0  # ranges the kernel would not collapse now (busy, no huge page free)
    seconds: float = 0.0

    @property
    def megabytes(self) -> float:
        return self.ranges * HUGE / 1e6


def enabled() -> bool:
    return not _unsupported and os.environ.get(ENV, "1") not in ("0", "off", "false")


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    libc.madvise.restype = ctypes.c_int
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.mincore.restype = ctypes.c_int
    return libc


def heap_ranges(maps: str) -> Iterator[tuple[int, int]]:
    """The 2 MiB-aligned parts of the private anonymous read-write mappings in `maps` (the
    text of /proc/self/maps): the heap, CPython's arenas, malloc's thread arenas."""
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) < 5 or fields[1] != "rw-p" or fields[4] != "0":
            continue
        path = fields[5].strip() if len(fields) > 5 else ""
        if path not in ("", "[heap]"):
            continue  # the main stack, vdso data, ...: small or not ours
        start, end = (int(x, 16) for x in fields[0].split("-"))
        start = (start + HUGE - 1) & ~(HUGE - 1)
        end &= ~(HUGE - 1)
        if end > start:
            yield start, end


def dense_ranges(start: int, end: int, present: bytes) -> Iterator[int]:
    """The 2 MiB ranges of [start, end) with at least DENSE pages present (`present`: one
    byte per page, as mincore(2) fills it, bit 0 set when the page is resident)."""
    per = HUGE // PAGE
    for index in range(0, (end - start) // PAGE, per):
        if per - present.count(0, index, index + per) >= DENSE:
            yield start + index * PAGE


def collapse_heap() -> Collapse:
    """Collapse the process's dense heap ranges into huge pages (see the module docstring);
    does nothing where the kernel cannot."""
    global _unsupported
    done = Collapse()
    if not enabled():
        return done
    began = time.perf_counter()
    libc = _libc()
    invalid = 0
    with open("/proc/self/maps") as fh:
        maps = fh.read()
    for start, end in heap_ranges(maps):
        pages = (end - start) // PAGE
        vector = ctypes.create_string_buffer(pages)
        if libc.mincore(start, end - start, vector) != 0:
            continue  # unmapped since /proc/self/maps was read
        for address in dense_ranges(start, end, vector.raw):
            if libc.madvise(address, HUGE, MADV_COLLAPSE) == 0:
                done.ranges += 1
                continue
            done.failed += 1  # EAGAIN/ENOMEM/EBUSY: pinned, unmapped meanwhile, no memory
            invalid += ctypes.get_errno() == errno.EINVAL
    if invalid and not done.ranges:  # every range refused: no MADV_COLLAPSE here
        _unsupported = True  # (a kernel before 6.1, THP "never"): stop asking
        log.info("snapshots: the kernel collapses no huge pages; forks copy 4 KiB entries")
    done.seconds = time.perf_counter() - began
    return done
