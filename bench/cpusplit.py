"""The gateway+runtime overhead: the same handler through the gateway and called in this
process, interleaved, with where each request's CPU goes.

Interleaved (alternating blocks, the order swapped every round) because this VM's cores
change speed by up to 50% within minutes (bench/hostspeed.py): two series measured one
after the other differ by that much with no change in code, and CPU seconds move with the
core's speed as much as wall time does.

The overhead in wall time (p50 through the gateway minus p50 in-process) mixes what the
cloud adds per request (HTTPS, authorizer, proxy event, the hop to the worker, the
function's IAM checks) with the handler running in a worker process of its own instead of
this warm one (its caches cold after each switch, the runtime's framing). CPU seconds per
request on each side (/proc, `bench.procmem`) tell them apart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.procmem import tree_cpu
from bench.stats import Series

BLOCKS = 10


@dataclass(frozen=True)
class CpuPerCall:
    """Milliseconds of CPU per call: the cloud process, its workers, this process."""

    cloud_ms: float
    workers_ms: float
    here_ms: float


@dataclass(frozen=True)
class Measured:
    series: Series
    cpu: CpuPerCall

    @staticmethod
    def cpu_of(kept: dict[str, Any]) -> CpuPerCall:
        """The CPU split of one side as results.json keeps it (`cpu_ms`)."""
        return CpuPerCall(**kept["cpu_ms"])


def interleaved_cpu(
    pid: int, sides: dict[str, Callable[[], Any]], n: int, warmup: int, blocks: int = BLOCKS
) -> dict[str, Measured]:
    """Each side's latency and CPU per call over `n` calls, in alternating blocks."""
    for call in sides.values():
        for _ in range(warmup):
            call()
    samples: dict[str, list[float]] = {name: [] for name in sides}
    walls = dict.fromkeys(sides, 0.0)
    cpu = {name: [0.0, 0.0, 0.0] for name in sides}
    per_block = max(1, n // blocks)
    names = list(sides)
    for b in range(blocks):
        for name in names if b % 2 == 0 else names[::-1]:
            call = sides[name]
            before, here, began = tree_cpu(pid), time.process_time(), time.perf_counter()
            for _ in range(per_block):
                t0 = time.perf_counter()
                call()
                samples[name].append((time.perf_counter() - t0) * 1000)
            walls[name] += time.perf_counter() - began
            used = tree_cpu(pid).since(before)
            totals = cpu[name]
            totals[0] += used.own_s
            totals[1] += used.children_s
            totals[2] += time.process_time() - here
    calls = per_block * blocks
    return {
        name: Measured(
            Series(name, samples[name], walls[name]),
            CpuPerCall(
                cloud_ms=cpu[name][0] * 1000 / calls,
                workers_ms=cpu[name][1] * 1000 / calls,
                here_ms=cpu[name][2] * 1000 / calls,
            ),
        )
        for name in sides
    }


def describe(label: str, gateway: CpuPerCall, in_process: CpuPerCall) -> str:
    cloud_adds = gateway.cloud_ms - in_process.cloud_ms
    worker_adds = gateway.workers_ms - in_process.here_ms
    return (
        f"  CPU per request, {label}: via the gateway cloud {gateway.cloud_ms:.2f} + worker "
        f"{gateway.workers_ms:.2f} ms; in-process cloud {in_process.cloud_ms:.2f} + handler "
        f"{in_process.here_ms:.2f} ms -> the cloud adds {cloud_adds:.2f} ms (gateway, runtime, "
        f"the function's IAM checks), the handler in its own process {worker_adds:+.2f} ms"
    )
