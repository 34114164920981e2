"""Scheduled rules that fire on time, from a background task of the EventBridge service.

Every ENABLED rule with a ScheduleExpression (rate or cron, all times UTC,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html)
sends its targets the scheduled event (`delivery.scheduled_event`) at each fire time. A rate
counts its periods from when this cloud first saw the rule (AWS: from the rule's creation;
moto does not record that). A fire time missed while the machine slept fires once, late,
and the schedule carries on from now — never a burst of catch-up events. EventBridge
Scheduler's schedules (`schedules`) are fired from the same tick.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from stratus.local.eventbridge.delivery import EventBridgeDelivery, RuleView, scheduled_event
from stratus.local.eventbridge.schedules import ScheduleRunner
from stratus.local.events.schedule import InvalidScheduleExpression, next_fire

log = logging.getLogger("stratus.events.schedule")

MAX_SLEEP_SECONDS = 1.0  # rules created or changed while we sleep are seen within this


@dataclass
class _Entry:
    expression: str
    created: datetime
    due: datetime | None


class Scheduler:
    def __init__(
        self,
        delivery: EventBridgeDelivery,
        rules: Callable[[], Iterable[RuleView]],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        schedules: ScheduleRunner | None = None,
    ) -> None:
        self._delivery = delivery
        self.schedules = schedules
        self._rules = rules
        self._now = now
        self._entries: dict[str, _Entry] = {}
        self.fired = 0

    def tick(self) -> float:
        """Fire what is due; the seconds until the next fire time (capped)."""
        now = self._now()
        seen: set[str] = set()
        try:
            rules = [r for r in self._rules() if r.schedule and r.enabled]
        except RuntimeError:  # moto changed a dict under us: look again next tick
            return 0.1
        for rule in rules:
            assert rule.schedule is not None
            seen.add(rule.arn)
            entry = self._entries.get(rule.arn)
            if entry is None or entry.expression != rule.schedule:
                entry = self._entries[rule.arn] = _Entry(rule.schedule, now, None)
                entry.due = self._next(rule, now, now)
                continue
            if entry.due is not None and entry.due <= now:
                self.fire(rule, entry.due)
                entry.due = self._next(rule, now, entry.created)
        for arn in set(self._entries) - seen:
            del self._entries[arn]  # deleted or disabled: re-anchored if it comes back
        dues = [e.due for e in self._entries.values() if e.due is not None]
        if self.schedules is not None:
            dues += self.schedules.tick(now)
        if not dues:
            return MAX_SLEEP_SECONDS
        wait = (min(dues) - now).total_seconds()
        return max(0.01, min(MAX_SLEEP_SECONDS, wait))

    def fire(self, rule: RuleView, at: datetime) -> dict:
        event = scheduled_event(rule, self._delivery.account, at, str(uuid.uuid4()))
        self._delivery.send_to_rule(rule, event)
        self.fired += 1
        return event

    @staticmethod
    def _next(rule: RuleView, after: datetime, created: datetime) -> datetime | None:
        assert rule.schedule is not None
        try:
            return next_fire(rule.schedule, after, created=created)
        except InvalidScheduleExpression as exc:
            log.warning("rule %s: %s", rule.arn, exc)
            return None

    async def run(self) -> None:
        while True:
            try:
                wait = self.tick()
            except Exception:
                log.exception("scheduler tick failed")
                wait = MAX_SLEEP_SECONDS
            await asyncio.sleep(wait)
