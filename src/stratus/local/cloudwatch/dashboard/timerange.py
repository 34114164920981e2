"""A dashboard's time range: `start` relative (`-PT3H`, `-P7D`) or absolute with `end`.

Syntax as the dashboard body's `start`/`end`
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html):
a relative start begins with `-PT` (minutes, hours) or `-P` (days, weeks, months); an
absolute range is two ISO 8601 times. Hand-parsed: only this small ISO 8601 subset is
needed and no dependency of the project parses durations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEFAULT_START = "-PT3H"  # the console's default range
MAX_RANGE = timedelta(days=455)  # CloudWatch keeps metric data 15 months

_RELATIVE = re.compile(
    r"^-P(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


class TimeRangeError(ValueError):
    """A start or end the dashboard (or the query string) cannot use."""


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def _relative(text: str) -> timedelta | None:
    match = _RELATIVE.match(text.strip().upper())
    if not match or not any(match.groupdict().values()):
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(
        days=parts.get("months", 0) * 30 + parts.get("weeks", 0) * 7 + parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


def _absolute(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise TimeRangeError(f"not a relative (-PT3H) or ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse(start: str | None, end: str | None, now: datetime) -> TimeRange:
    """The range for `start`/`end` (None: the default 3 hours ending now)."""
    start = (start or DEFAULT_START).strip()
    delta = _relative(start)
    if delta is not None:
        if end:
            raise TimeRangeError("a relative start takes no end")
        if delta > MAX_RANGE:
            raise TimeRangeError(f"the range {start} is longer than 15 months")
        return TimeRange(now - delta, now)
    if start.startswith("-"):
        raise TimeRangeError(f"not a relative time (-PT3H, -P1D): {start!r}")
    begin = _absolute(start)
    finish = _absolute(end) if end else now
    if finish <= begin:
        raise TimeRangeError("the end must be after the start")
    if finish - begin > MAX_RANGE:
        raise TimeRangeError("the range is longer than 15 months")
    return TimeRange(begin, finish)
