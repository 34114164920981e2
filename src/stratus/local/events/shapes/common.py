"""Small helpers every event shape uses: AWS's timestamp spellings and ARNs."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(moment: datetime) -> datetime:
    """The moment in UTC (a naive datetime is taken to be UTC already)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso_millis(moment: datetime) -> str:
    """`1970-01-01T00:00:00.000Z`: S3, SNS and Lambda destination records."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc(moment).microsecond // 1000:03d}Z"


def iso_seconds(moment: datetime) -> str:
    """`2017-12-22T18:43:48Z`: the EventBridge envelope's `time`."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_millis(moment: datetime) -> int:
    return int(utc(moment).timestamp() * 1000)
