"""Scheduled rules fire on time with the scheduled-event shape; `fire` fires one rule now."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tests.unit.local.eventbridge.eb_harness import EventsCloud

from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.eventbridge.delivery import RuleView, moto_rules
from stratus.local.eventbridge.scheduler import Scheduler


class Recorder:
    account = ACCOUNT_ID

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send_to_rule(self, rule: RuleView, event: dict[str, Any]) -> None:
        self.sent.append((rule.name, event))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _rule(name: str, schedule: str, enabled: bool = True) -> RuleView:
    arn = f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/{name}"
    return RuleView(name, arn, "default", "us-east-1", enabled, None, schedule, ())


def test_rate_fires_every_period_from_when_the_rule_is_first_seen() -> None:
    clock, recorder = Clock(), Recorder()
    rules = [_rule("every-minute", "rate(1 minute)")]
    scheduler = Scheduler(recorder, lambda: rules, now=clock)  # type: ignore[arg-type]
    scheduler.tick()
    clock.now += timedelta(seconds=59)
    scheduler.tick()
    assert recorder.sent == []
    clock.now += timedelta(seconds=1)
    scheduler.tick()
    clock.now += timedelta(seconds=60)
    scheduler.tick()
    assert [e["time"] for _, e in recorder.sent] == ["2026-03-01T12:01:30Z", "2026-03-01T12:02:30Z"]
    name, event = recorder.sent[0]
    assert name == "every-minute"
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [rules[0].arn]
    assert event["detail"] == {}
    assert event["account"] == ACCOUNT_ID and event["region"] == "us-east-1"


def test_cron_fires_at_its_minutes_and_a_missed_time_fires_once() -> None:
    clock, recorder = Clock(), Recorder()
    rules = [_rule("quarter", "cron(0/15 * * * ? *)")]
    scheduler = Scheduler(recorder, lambda: rules, now=clock)  # type: ignore[arg-type]
    scheduler.tick()
    clock.now = datetime(2026, 3, 1, 13, 7, tzinfo=UTC)  # slept through 12:15 .. 13:00
    scheduler.tick()
    clock.now = datetime(2026, 3, 1, 13, 15, tzinfo=UTC)
    scheduler.tick()
    assert [e["time"] for _, e in recorder.sent] == ["2026-03-01T12:15:00Z", "2026-03-01T13:15:00Z"]


def test_disabled_scheduled_rule_does_not_fire() -> None:
    clock, recorder = Clock(), Recorder()
    rules = [_rule("off", "rate(1 minute)", enabled=False)]
    scheduler = Scheduler(recorder, lambda: rules, now=clock)  # type: ignore[arg-type]
    for _ in range(3):
        scheduler.tick()
        clock.now += timedelta(minutes=1)
    assert recorder.sent == []


def test_tick_sleeps_until_the_next_fire_time_at_most_a_second() -> None:
    clock, recorder = Clock(), Recorder()
    rules = [_rule("soon", "rate(1 minute)")]
    scheduler = Scheduler(recorder, lambda: rules, now=clock)  # type: ignore[arg-type]
    scheduler.tick()
    clock.now += timedelta(seconds=59, milliseconds=800)
    assert abs(scheduler.tick() - 0.2) < 1e-6


def _fire(cloud: EventsCloud, name: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(f"{cloud.endpoint}/_stratus/events/rules/{name}/fire", json=body or {})


def test_fire_sends_a_scheduled_rule_its_scheduled_event(events_cloud: EventsCloud) -> None:
    url, arn = events_cloud.queue()
    name = events_cloud.rule([{"Id": "q", "Arn": arn}], ScheduleExpression="rate(1 hour)")
    answer = _fire(events_cloud, name)
    assert answer.status_code == 200
    [message] = events_cloud.receive(url)
    event = json.loads(message["Body"])
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [answer.json()["ruleArn"]]


def test_fire_sends_a_pattern_rule_an_event_it_matches(events_cloud: EventsCloud) -> None:
    url, arn = events_cloud.queue()
    pattern = {"source": ["shop.orders"], "detail": {"total": [{"numeric": [">", 100]}]}}
    name = events_cloud.rule([{"Id": "q", "Arn": arn}], EventPattern=json.dumps(pattern))
    answer = _fire(events_cloud, name)
    assert answer.json()["matchesPattern"] is True
    event = json.loads(events_cloud.receive(url)[0]["Body"])
    assert event["source"] == "shop.orders"
    assert event["detail"] == {"total": 101}


def test_fire_with_the_callers_event(events_cloud: EventsCloud) -> None:
    url, arn = events_cloud.queue()
    name = events_cloud.rule([{"Id": "q", "Arn": arn}], EventPattern='{"source": ["a"]}')
    body = {"source": "a", "detail-type": "Thing", "detail": {"k": "v"}}
    assert _fire(events_cloud, name, body).status_code == 200
    event = json.loads(events_cloud.receive(url)[0]["Body"])
    assert (event["source"], event["detail-type"], event["detail"]) == ("a", "Thing", {"k": "v"})


def test_fire_an_unknown_rule_lists_the_rules_there_are(events_cloud: EventsCloud) -> None:
    name = events_cloud.rule([], EventPattern='{"source": ["listed"]}')
    answer = _fire(events_cloud, f"nope-{uuid.uuid4().hex[:4]}")
    assert answer.status_code == 404
    assert name in answer.json()["rules"]


def test_moto_rules_reads_schedules_patterns_and_targets(events_cloud: EventsCloud) -> None:
    _, arn = events_cloud.queue()
    name = events_cloud.rule(
        [{"Id": "q", "Arn": arn}], ScheduleExpression="cron(0 12 * * ? *)", State="DISABLED"
    )
    [view] = [r for r in moto_rules(ACCOUNT_ID, "us-east-1") if r.name == name]
    assert view.schedule == "cron(0 12 * * ? *)"
    assert view.enabled is False
    assert view.targets[0]["Arn"] == arn
