"""EventBridge Scheduler schedules (`AWS::Scheduler::Schedule`), kept by moto, fired by us.

https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html:
`at(yyyy-mm-ddThh:mm:ss)` fires once, `rate(...)` and `cron(...)` recur; all in
`ScheduleExpressionTimezone` (UTC by default); StartDate/EndDate bound recurring schedules.
The target gets `Target.Input`
(https://docs.aws.amazon.com/scheduler/latest/APIReference/API_Target.html); without one AWS
sends "a default notification" whose shape it does not document, so `{}` is sent locally.
The target's RetryPolicy and DeadLetterConfig apply as for rules.

Local simplifications: `FlexibleTimeWindow` FLEXIBLE fires at the window's start (AWS picks a
random moment in it), and a one-time schedule whose moment passed before this cloud saw it
does not fire (so a restart never fires it twice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from stratus.local.eventbridge.delivery import EventBridgeDelivery, RuleView
from stratus.local.events.schedule import InvalidScheduleExpression, next_fire

log = logging.getLogger("stratus.scheduler")


@dataclass(frozen=True)
class ScheduleView:
    name: str
    group: str
    arn: str
    region: str
    expression: str
    timezone: str
    enabled: bool
    target: dict[str, Any] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.arn}|{self.expression}|{self.timezone}"


def _date(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError):
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def moto_schedules(account: str) -> Iterator[ScheduleView]:
    """Every schedule moto holds (read directly: the scheduler looks every second)."""
    from moto.scheduler.models import scheduler_backends

    backends = scheduler_backends[account]
    for region in list(backends.keys()):
        for group in list(backends[region].schedule_groups.values()):
            for schedule in list(group.schedules.values()):
                yield ScheduleView(
                    name=str(schedule.name),
                    group=str(schedule.group_name),
                    arn=str(schedule.arn),
                    region=region,
                    expression=str(schedule.schedule_expression),
                    timezone=str(schedule.schedule_expression_timezone or "UTC"),
                    enabled=str(schedule.state or "ENABLED") == "ENABLED",
                    target=dict(schedule.target or {}),
                    start=_date(schedule.start_date),
                    end=_date(schedule.end_date),
                )


def next_time(schedule: ScheduleView, after: datetime, created: datetime) -> datetime | None:
    """The schedule's next fire time strictly after `after` (UTC), or None when it is over."""
    zone = ZoneInfo(schedule.timezone)
    expression = schedule.expression
    if expression.startswith("at(") and expression.endswith(")"):
        moment = datetime.fromisoformat(expression[3:-1]).replace(tzinfo=zone).astimezone(UTC)
        return moment if moment > after and moment >= created else None
    if expression.startswith("rate("):
        found = next_fire(expression, after, created=schedule.start or created)
    else:  # cron: evaluated on the zone's wall clock
        local = after.astimezone(zone).replace(tzinfo=None)
        wall = next_fire(expression, local)
        found = None if wall is None else wall.replace(tzinfo=zone).astimezone(UTC)
    if found is not None and schedule.start is not None and found < schedule.start:
        found = next_time(schedule, schedule.start, created)
    if found is not None and schedule.end is not None and found > schedule.end:
        return None
    return found


class ScheduleRunner:
    """Keeps each schedule's next fire time and fires it when due (from the scheduler tick)."""

    def __init__(
        self,
        delivery: EventBridgeDelivery,
        schedules: Callable[[], Iterable[ScheduleView]],
    ) -> None:
        self._delivery = delivery
        self._schedules = schedules
        self._due: dict[str, tuple[datetime, datetime | None]] = {}  # key -> (created, due)
        self.fired = 0

    def tick(self, now: datetime) -> list[datetime]:
        """Fire what is due; the pending fire times."""
        seen: set[str] = set()
        for schedule in [s for s in self._schedules() if s.enabled]:
            seen.add(schedule.key)
            if schedule.key not in self._due:
                self._due[schedule.key] = (now, self._next(schedule, now, now))
                continue
            created, due = self._due[schedule.key]
            if due is not None and due <= now:
                self.fire(schedule)
                self._due[schedule.key] = (created, self._next(schedule, now, created))
        for key in set(self._due) - seen:
            del self._due[key]
        return [due for _, due in self._due.values() if due is not None]

    def fire(self, schedule: ScheduleView) -> None:
        target = {**schedule.target, "Input": schedule.target.get("Input") or "{}"}
        target.pop("InputPath", None)
        target.pop("InputTransformer", None)
        as_rule = RuleView(
            schedule.name, schedule.arn, "", schedule.region, True, None, None, (target,)
        )
        self._delivery.send_to_rule(as_rule, {"id": schedule.arn})
        self.fired += 1

    @staticmethod
    def _next(schedule: ScheduleView, after: datetime, created: datetime) -> datetime | None:
        try:
            return next_time(schedule, after, created)
        except (InvalidScheduleExpression, ValueError) as exc:
            log.warning("schedule %s: %s", schedule.arn, exc)
            return None
