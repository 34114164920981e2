"""The cache hit ratio over the last hour as bars, shared by the APIs and distributions
pages: per-minute hit/miss counts (core.recent) become bar geometry and a summary, which
the `_hits.html` template draws as inline SVG (no script; every value is a number or
escaped text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from stratus.local.core.recent import MinuteBucket

WIDTH = 600  # the SVG's viewBox width
HEIGHT = 100  # bar area height (100% hit ratio)


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    height: float  # 0..HEIGHT: the minute's hit ratio
    looked: bool  # the minute had cache lookups (else drawn as a faint baseline)
    title: str


@dataclass(frozen=True)
class HitChart:
    bars: list[Bar]
    hits: int
    misses: int
    requests: int
    first: str  # the first minute's clock time (UTC)
    last: str

    @property
    def ratio(self) -> float | None:
        looked = self.hits + self.misses
        return self.hits / looked if looked else None

    @property
    def summary(self) -> str:
        ratio = self.ratio
        if ratio is None:
            return f"No cache lookups in the last hour ({self.requests} requests)."
        return (
            f"{ratio:.0%} hit ratio over the last hour: {self.hits} hits, {self.misses} misses "
            f"({self.requests} requests)."
        )


def clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M")


def hit_chart(buckets: Sequence[MinuteBucket]) -> HitChart:
    """Bars for `buckets` (oldest first), one per minute, as wide as the chart allows."""
    count = max(len(buckets), 1)
    step = WIDTH / count
    bars = []
    for index, bucket in enumerate(buckets):
        ratio = bucket.ratio
        label = f"{clock(bucket.start)} UTC: "
        if ratio is None:
            label += f"no cache lookups, {bucket.requests} requests"
        else:
            label += f"{ratio:.0%} hits ({bucket.hits} hits, {bucket.misses} misses)"
        bars.append(
            Bar(
                x=round(index * step, 2),
                width=round(max(step - 1, 1), 2),
                height=round((ratio or 0.0) * HEIGHT, 2),
                looked=ratio is not None,
                title=label,
            )
        )
    return HitChart(
        bars=bars,
        hits=sum(b.hits for b in buckets),
        misses=sum(b.misses for b in buckets),
        requests=sum(b.requests for b in buckets),
        first=clock(buckets[0].start) if buckets else "",
        last=clock(buckets[-1].start) if buckets else "",
    )
