"""UTC days: which day a fact belongs to, and which day an export is asked for. Pure.

Counters are kept per UTC day, so a day's figures never move with a reader's time zone. A
timestamp without a zone is read as UTC (every producer of the clickstream writes `Z`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadDayError(ValueError):
    """Not an ISO 8601 timestamp, or not a `YYYY-MM-DD` calendar day."""


def utc_day(timestamp: object) -> str:
    """`2026-11-30T23:30:00-02:00` -> `2026-12-01`."""
    if not isinstance(timestamp, str) or not 10 <= len(timestamp) <= 40:
        raise BadDayError(f"time {timestamp!r} is not ISO 8601")
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        raise BadDayError(f"time {timestamp!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def epoch_day(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d")


def calendar_day(text: object, today: date) -> str:
    """A day asked for by an operator: `YYYY-MM-DD`, a real date, not after `today`."""
    if not isinstance(text, str) or not DAY.match(text):
        raise BadDayError(f"day {text!r} is not YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadDayError(f"day {text!r} is not a calendar date") from None
    if day > today:
        raise BadDayError(f"day {text} has not happened yet (today is {today.isoformat()} UTC)")
    return text


def day_before(timestamp: object) -> str:
    """The UTC day before the one `timestamp` falls on (a daily schedule's previous day)."""
    day = date.fromisoformat(utc_day(timestamp))
    return (day - timedelta(days=1)).isoformat()
