"""`stratus events fire RULE` finds the running cloud by its state directory and fires the rule."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.unit.local.eventbridge.eb_harness import EventsCloud
from typer.testing import CliRunner

from stratus.cli.main import app


def _state(tmp_path: Path, endpoint: str, pid: int | None = None) -> Path:
    (tmp_path / "endpoints.json").write_text(
        json.dumps({"aws": endpoint, "pid": pid or os.getpid()})
    )
    return tmp_path


def test_fire_prints_the_event_sent(events_cloud: EventsCloud, tmp_path: Path) -> None:
    url, arn = events_cloud.queue()
    name = events_cloud.rule([{"Id": "q", "Arn": arn}], ScheduleExpression="rate(1 minute)")
    state = _state(tmp_path, events_cloud.endpoint)
    result = CliRunner().invoke(app, ["events", "fire", name, "--state-dir", str(state)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["detail-type"] == "Scheduled Event"
    assert json.loads(events_cloud.receive(url)[0]["Body"])["source"] == "aws.events"


def test_fire_with_detail_for_a_pattern_rule(events_cloud: EventsCloud, tmp_path: Path) -> None:
    url, arn = events_cloud.queue()
    name = events_cloud.rule([{"Id": "q", "Arn": arn}], EventPattern='{"source": ["cli"]}')
    args = ["events", "fire", name, "--source", "cli", "--detail-type", "T"]
    args += ["--detail", '{"a": 1}', "--state-dir", str(_state(tmp_path, events_cloud.endpoint))]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(events_cloud.receive(url)[0]["Body"])["detail"] == {"a": 1}


def test_unknown_rule_is_an_error_listing_the_rules(
    events_cloud: EventsCloud, tmp_path: Path
) -> None:
    name = events_cloud.rule([], EventPattern='{"source": ["cli-list"]}')
    state = _state(tmp_path, events_cloud.endpoint)
    result = CliRunner().invoke(app, ["events", "fire", "no-such-rule", "--state-dir", str(state)])
    assert result.exit_code == 1
    assert "no rule named 'no-such-rule'" in result.output
    assert name in result.output


def test_cloud_not_running_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["events", "fire", "r", "--state-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "not running" in result.output
    dead = _state(tmp_path, "http://127.0.0.1:9", pid=2**22 + 12345)
    result = CliRunner().invoke(app, ["events", "fire", "r", "--state-dir", str(dead)])
    assert result.exit_code == 1
    assert "not running" in result.output
