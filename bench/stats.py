"""Latency summaries and side-by-side printing for the benchmarks."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any


@dataclass
class Series:
    name: str
    samples_ms: list[float]
    wall_seconds: float

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    @property
    def throughput(self) -> float:
        return len(self.samples_ms) / self.wall_seconds if self.wall_seconds else 0.0


def print_table(title: str, rows: list[Series], baseline: Series) -> None:
    print(f"\n{title}")
    print(f"  {'':40} {'p50 ms':>9} {'p99 ms':>9} {'req/s':>9} {'p50 x base':>11}")
    for row in rows:
        ratio = row.p50 / baseline.p50 if baseline.p50 else float("nan")
        print(f"  {row.name:40} {row.p50:9.2f} {row.p99:9.2f} {row.throughput:9.0f} {ratio:10.2f}x")


def summary(s: Series) -> dict[str, Any]:
    """A series as results.json keeps it."""
    return {
        "n": len(s.samples_ms),
        "p50_ms": round(s.p50, 3),
        "p99_ms": round(s.p99, 3),
        "req_per_s": round(s.throughput, 1),
    }
