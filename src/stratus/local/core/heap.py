"""The local cloud's heap after start-up: kept out of the garbage collector's full passes,
and what start-up freed handed back to the system.

Start-up leaves ~400k long-lived objects in the `stratus up` process (moto's backends and
models, botocore's service models, the deployment) that live until it stops. CPython's full
collection walks every tracked object, so each one that traffic triggered took ~0.5 s on a
2-core machine, with the event loop (every server) stalled: measured once per ~12 s under
fifty users, the whole of the p99 tail. One collection at start-up, then `gc.freeze()`
(https://docs.python.org/3/library/gc.html#gc.freeze) moves the survivors to a permanent
generation: later full passes walk only what was made since. Objects frozen here are never
collected; they are the ones that live for the whole process anyway.

Freed memory. Objects larger than 512 bytes (dict tables, long strings, lists) come from
glibc's malloc, which keeps what is freed inside its heaps (one per thread that allocated,
up to 8 per core) for reuse instead of giving it back: start-up's transient peaks
(templates parsed, models indexed, provisioning in worker threads) stayed resident for the
life of the process. `malloc_trim(0)` returns every free page of every arena to the kernel
(https://man7.org/linux/man-pages/man3/malloc_trim.3.html; glibc 2.8+ releases whole free
pages inside the heaps, not only the top): measured after start-up, 41 MB of the up
process's RSS (271 -> 230 MB anonymous). It runs in C without the GIL (ctypes), but holds
each arena's lock while it walks it: 20-40 ms for a 400 MB heap (2 cores), during which any
thread's malloc in that arena waits. So it runs once, here, before the cloud serves; not
while it serves (tried before each snapshot: the event loop's allocations would stall for
as long). Where libc has no `malloc_trim` (musl, macOS) `trim` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys
from typing import Any


def settle() -> int:
    """Collect, then freeze what survives, then hand freed memory back; the number of
    objects frozen."""
    gc.collect()
    gc.freeze()
    trim()
    return gc.get_freeze_count()


@functools.cache
def _malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        function = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function


def trim() -> bool:
    """Return malloc's free pages to the kernel; True if any were released."""
    function = _malloc_trim()
    return bool(function(0)) if function is not None else False
