"""Numbers as a dashboard shows them, and the 'nice' steps of an axis.

`short` is the number widget's default: three significant digits and a k/M/B/T suffix
(`singleValueFullPrecision` shows `full` instead,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
              172800, 604800, 2592000)  # fmt: skip


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def short(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    rounded = float(f"{value:.3g}")
    for scale, suffix in _SUFFIXES:
        if abs(rounded) >= scale:
            return _trim(f"{rounded / scale:.3g}") + suffix
    return _trim(f"{rounded:.3g}")


def full(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return _trim(f"{value:.6f}")


def nice_step(span: float, count: int) -> float:
    """A step of 1, 2 or 5 x 10^n giving about `count` intervals over `span`."""
    raw = span / max(count, 1)
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)


def nice_range(low: float, high: float, count: int = 5) -> tuple[float, float, float]:
    """(low, high, step) widened to whole steps, never an empty range."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    step = nice_step(high - low, count)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def time_step(seconds: float, count: int = 6) -> int:
    """The smallest clock-friendly step giving at most `count` intervals."""
    for step in TIME_STEPS:
        if seconds / step <= count:
            return step
    return TIME_STEPS[-1]


def time_ticks(start: datetime, end: datetime, offset: timedelta, count: int = 6) -> list[datetime]:
    """Tick times on whole steps of the clock shown (UTC shifted by the widget's timezone)."""
    step = time_step((end - start).total_seconds(), count)
    local = start.timestamp() + offset.total_seconds()
    first = math.ceil(local / step) * step - offset.total_seconds()
    out = []
    moment = first
    while moment <= end.timestamp():
        out.append(datetime.fromtimestamp(moment, start.tzinfo))
        moment += step
    return out
