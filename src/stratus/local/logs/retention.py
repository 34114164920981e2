"""Log retention: events older than their group's retention are deleted, and no group grows
without bound.

A log group with a retention policy (`RetentionInDays` on AWS::Logs::LogGroup, a Lambda
function's Custom::LogRetention / LoggingConfig log group, PutRetentionPolicy) keeps events
for that many days; CloudWatch Logs marks older events for deletion and deletes them within
about 72 hours
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
A group without one keeps its events forever on AWS
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteRetentionPolicy.html).

Locally a pass every `STRATUS_LOGS_EXPIRE_SECONDS` (60 by default) deletes expired events at
once (AWS's "up to 72 hours" is a delay nobody relies on), and, because a laptop is not a
data centre, keeps at most `STRATUS_LOGS_MAX_EVENTS` events per group (100,000 by default,
whatever its retention): the oldest beyond that go first. That cap is local only; it is
what stops a day of Lambda logs from turning into most of the saved state. The pass changes
moto's objects, so it runs as a journaled operation (`core.durable`) and replays exactly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from stratus.local.core.durable import mutate, operation

log = logging.getLogger("stratus.logs")

DAY_MS = 86_400_000
DEFAULT_MAX_EVENTS = 100_000
DEFAULT_INTERVAL_SECONDS = 60.0


def max_events() -> int:
    return int(os.environ.get("STRATUS_LOGS_MAX_EVENTS", DEFAULT_MAX_EVENTS))


def interval_seconds() -> float:
    return float(os.environ.get("STRATUS_LOGS_EXPIRE_SECONDS", DEFAULT_INTERVAL_SECONDS))


def _groups() -> Iterator[Any]:
    from moto.logs.models import logs_backends

    for regions in list(logs_backends.values()):
        for backend in list(regions.values()):
            yield from list(backend.groups.values())


def _cutoff(group: Any, now_ms: int) -> int | None:
    days = group.retention_in_days
    return now_ms - int(days) * DAY_MS if days else None


def _excess(group: Any, now_ms: int, cap: int) -> bool:
    """Whether the group holds an expired event or more events than `cap` (a read)."""
    cutoff = _cutoff(group, now_ms)
    total = 0
    for stream in list(group.streams.values()):
        events = stream.events
        total += len(events)
        if cutoff is not None and any(e.timestamp < cutoff for e in events):
            return True
    return total > cap


def _trim(group: Any, now_ms: int, cap: int) -> int:
    cutoff = _cutoff(group, now_ms)
    removed = 0
    streams = list(group.streams.values())
    if cutoff is not None:
        for stream in streams:
            kept = [e for e in stream.events if e.timestamp >= cutoff]
            removed += len(stream.events) - len(kept)
            stream.events = kept
    total = sum(len(s.events) for s in streams)
    if total > cap:
        # The oldest events of the group go first, whichever stream holds them.
        ranked = sorted(
            ((e.timestamp, n, i) for n, s in enumerate(streams) for i, e in enumerate(s.events)),
        )
        drop: dict[int, set[int]] = {}
        for _ts, n, i in ranked[: total - cap]:
            drop.setdefault(n, set()).add(i)
        for n, indexes in drop.items():
            stream = streams[n]
            stream.events = [e for i, e in enumerate(stream.events) if i not in indexes]
            removed += len(indexes)
    return removed


@operation("logs.expire", services=("logs",))
def expire(now_ms: int, cap: int) -> int:
    """Delete expired events and trim every group to `cap` events; returns how many went."""
    return sum(_trim(group, now_ms, cap) for group in _groups())


def expire_due(now_ms: int | None = None, cap: int | None = None) -> int:
    """Run `expire` (journaled) when some group needs it; reads only otherwise."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    cap = max_events() if cap is None else cap
    if not any(_excess(group, now_ms, cap) for group in _groups()):
        return 0
    removed = int(mutate("logs.expire", now_ms=now_ms, cap=cap))
    log.info("expired %d log events", removed)
    return removed


async def run_expiry(every: float | None = None) -> None:
    """Background task of the logs service."""
    while True:
        await asyncio.sleep(interval_seconds() if every is None else every)
        try:
            await asyncio.to_thread(expire_due)
        except Exception:
            log.exception("log retention pass failed; will retry")
