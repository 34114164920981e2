"""The same ops against two (or more) sides, in alternating blocks, so machine noise — other
processes, CPU frequency, a snapshot in the background — falls on every side alike.

For each op: an untimed warm-up per side, then up to BLOCKS rounds (fewer once the op has
used its time budget); in each round every side runs a block of n / BLOCKS calls, the order
of the sides swapped every round. A side may wrap its
blocks in a context (moto's `mock_aws` is switched on only around the in-process blocks).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from bench.rawcalls import WARMUP, Op, block
from bench.stats import Series

BLOCKS = 10
BUDGET_S = 6.0  # per op, all sides together: a slow engine gets fewer rounds, never fewer than 2


@dataclass
class Side:
    name: str
    ops: dict[str, Op]
    around: Callable[[], AbstractContextManager[object]] = field(default=nullcontext)


def interleaved(
    sides: list[Side],
    names: list[str],
    blocks: int = BLOCKS,
    warmup: int = WARMUP,
    n: int | None = None,
    budget_s: float = BUDGET_S,
) -> dict[str, dict[str, Series]]:
    """op name -> side name -> Series, for each op in `names`; `n` overrides the ops' n.

    Every side runs the same number of rounds; rounds stop early (after at least two) once
    an op has used `budget_s`, so one slow side cannot stretch the bench without bound.
    """
    out: dict[str, dict[str, Series]] = {}
    for name in names:
        samples: dict[str, list[float]] = {s.name: [] for s in sides}
        walls = dict.fromkeys(samples, 0.0)
        for side in sides:
            with side.around():
                block(side.ops[name], warmup, -warmup)
        per_block = max(1, (n or sides[0].ops[name].n) // blocks)
        began = time.perf_counter()
        for b in range(blocks):
            if b >= 2 and time.perf_counter() - began > budget_s:
                break
            for side in sides if b % 2 == 0 else sides[::-1]:
                with side.around():
                    got, wall = block(side.ops[name], per_block, b * per_block)
                samples[side.name] += got
                walls[side.name] += wall
        out[name] = {s: Series(f"{name} [{s}]", samples[s], walls[s]) for s in samples}
    return out
