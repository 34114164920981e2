"""How fast this host's cores run right now: the time of a fixed pure-Python loop.

On some VMs (this project's 2-core one among them) a core's speed flips between two levels
every few seconds (the loop below took 29-56 ms over 20 s on 2026-12-02, idle host), a change
as large as most regressions. The load part prints this probe before and after its runs so
that a reader can tell a slow host from slow code; compare CPU per request
(bench/procmem.tree_cpu) across checkouts, not req/s.
"""

from __future__ import annotations

import time

LOOP = 500_000


def probe_ms(repeats: int = 3) -> float:
    """The fastest of `repeats` runs of a fixed loop, in ms (lower: a faster core)."""
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        total = 0
        for i in range(LOOP):
            total += i ^ (i >> 3)
        best = min(best, time.perf_counter() - began)
    return best * 1000
