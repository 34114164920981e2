"""EventBridge Scheduler schedules: at/rate/cron in their time zone, provisioned, fired."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.unit.local.eventbridge.eb_harness import EventsCloud

from stratus.local.core.settings import ACCOUNT_ID, LocalSettings
from stratus.local.eventbridge.providers import ScheduleProvider
from stratus.local.eventbridge.schedules import (
    ScheduleRunner,
    ScheduleView,
    moto_schedules,
    next_time,
)
from stratus.local.provision.provider import ProviderContext

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def _view(expression: str, timezone: str = "UTC", **kw: Any) -> ScheduleView:
    arn = f"arn:aws:scheduler:us-east-1:{ACCOUNT_ID}:schedule/default/s"
    return ScheduleView("s", "default", arn, "us-east-1", expression, timezone, True, **kw)


def test_at_fires_once_in_its_time_zone() -> None:
    view = _view("at(2026-03-01T14:30:00)", "Europe/Paris")  # UTC+1 in March
    assert next_time(view, NOW, NOW) == datetime(2026, 3, 1, 13, 30, tzinfo=UTC)
    assert next_time(view, datetime(2026, 3, 1, 13, 30, tzinfo=UTC), NOW) is None


def test_at_in_the_past_when_first_seen_does_not_fire() -> None:
    assert next_time(_view("at(2026-03-01T11:00:00)"), NOW, NOW) is None


def test_cron_on_the_zones_wall_clock_and_end_date() -> None:
    view = _view("cron(0 9 * * ? *)", "America/New_York")  # 09:00 EST = 14:00 UTC
    assert next_time(view, NOW, NOW) == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    ended = _view("rate(1 hour)", end=NOW + timedelta(minutes=30))
    assert next_time(ended, NOW, NOW) is None


class Recorder:
    account = ACCOUNT_ID

    def __init__(self) -> None:
        self.sent: list[tuple[Any, dict[str, Any]]] = []

    def send_to_rule(self, rule: Any, event: dict[str, Any]) -> None:
        self.sent.append((rule, event))


def test_runner_sends_the_targets_input() -> None:
    recorder = Recorder()
    views = [_view("rate(5 minutes)", target={"Arn": "arn:aws:sqs:us-east-1:0:q", "Input": "hi"})]
    runner = ScheduleRunner(recorder, lambda: views)  # type: ignore[arg-type]
    runner.tick(NOW)
    assert recorder.sent == []
    runner.tick(NOW + timedelta(minutes=5))
    [(rule, _)] = recorder.sent
    assert rule.targets[0]["Input"] == "hi" and rule.arn == views[0].arn


def test_provisioned_schedule_delivers_its_input(events_cloud: EventsCloud, tmp_path: Path) -> None:
    url, arn = events_cloud.queue()
    ctx = ProviderContext(
        settings=LocalSettings.for_project(tmp_path),
        aws=events_cloud.aws,
        stack="Stack",
        logical_id=f"Sched{uuid.uuid4().hex[:6]}",
        resource_type="AWS::Scheduler::Schedule",
    )
    name, attrs = ScheduleProvider().create(
        ctx,
        {
            "ScheduleExpression": "rate(1 minute)",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": arn,
                "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/scheduler",
                "Input": json.dumps({"job": "nightly"}),
            },
        },
    )
    assert attrs["Arn"].endswith(f":schedule/default/{name}")
    [view] = [s for s in moto_schedules(ACCOUNT_ID) if s.name == name]
    runner = ScheduleRunner(events_cloud.delivery, lambda: [view])
    runner.tick(NOW)
    runner.tick(NOW + timedelta(minutes=1))
    assert json.loads(events_cloud.receive(url)[0]["Body"]) == {"job": "nightly"}
