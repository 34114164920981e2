"""The evaluator over moto's stored metrics: state changes through SetAlarmState, AWS's
first state and history, and the notification an SNS action gets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stratus.local.cloudwatch import actions, moto_patches
from stratus.local.cloudwatch.evaluator import Evaluator

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alarms"


@pytest.fixture
def cloudwatch() -> Iterator[Any]:
    moto_patches.install()
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def _evaluator(client: Any) -> Evaluator:
    return Evaluator(lambda region: lambda service: client)


def _alarm(client: Any, **extra: Any) -> None:
    client.put_metric_alarm(
        AlarmName="errors",
        Namespace="App",
        MetricName="Errors",
        Dimensions=[{"Name": "service", "Value": "api"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[TOPIC],
        **extra,
    )


def _state(client: Any) -> str:
    return str(client.describe_alarms(AlarmNames=["errors"])["MetricAlarms"][0]["StateValue"])


def test_new_alarm_starts_insufficient_and_breach_moves_it_to_alarm(cloudwatch: Any) -> None:
    _alarm(cloudwatch)
    assert _state(cloudwatch) == "INSUFFICIENT_DATA"
    cloudwatch.put_metric_data(
        Namespace="App",
        MetricData=[
            {
                "MetricName": "Errors",
                "Value": 2,
                "Dimensions": [{"Name": "service", "Value": "api"}],
                "Timestamp": datetime.now(UTC),
            }
        ],
    )
    _evaluator(cloudwatch).evaluate(ACCOUNT, datetime.now(UTC))
    assert _state(cloudwatch) == "ALARM"
    [item] = cloudwatch.describe_alarm_history(AlarmName="errors")["AlarmHistoryItems"]
    assert item["HistoryItemType"] == "StateUpdate"
    assert item["HistorySummary"] == "Alarm updated from INSUFFICIENT_DATA to ALARM"
    assert json.loads(item["HistoryData"])["newState"]["stateValue"] == "ALARM"


def test_data_with_other_dimensions_does_not_count(cloudwatch: Any) -> None:
    _alarm(cloudwatch)
    cloudwatch.put_metric_data(
        Namespace="App",
        MetricData=[
            {
                "MetricName": "Errors",
                "Value": 5,
                "Dimensions": [
                    {"Name": "service", "Value": "api"},
                    {"Name": "stage", "Value": "x"},
                ],
            }
        ],
    )
    _evaluator(cloudwatch).evaluate(ACCOUNT, datetime.now(UTC))
    assert _state(cloudwatch) == "INSUFFICIENT_DATA"


def test_updating_an_alarm_keeps_its_state(cloudwatch: Any) -> None:
    _alarm(cloudwatch)
    cloudwatch.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="test")
    _alarm(cloudwatch, AlarmDescription="changed")
    assert _state(cloudwatch) == "ALARM"


def test_sns_action_message_has_cloudwatch_shape(cloudwatch: Any) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    _alarm(cloudwatch)
    cloudwatch.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="because")
    alarm = cloudwatch_backends[ACCOUNT]["us-east-1"].alarms["errors"]
    change = actions.AlarmChange(alarm, ACCOUNT, "us-east-1", "OK", "", datetime.now(UTC))
    [(arn, body, subject)] = actions.messages(change)
    message = json.loads(body)
    assert arn == TOPIC
    assert subject == 'ALARM: "errors" in US East (N. Virginia)'
    assert message["NewStateValue"] == "ALARM" and message["OldStateValue"] == "OK"
    assert message["Trigger"]["MetricName"] == "Errors"
    assert message["Trigger"]["Dimensions"] == [{"value": "api", "name": "service"}]


def test_stored_data_points_older_than_the_window_are_pruned(cloudwatch: Any) -> None:
    from datetime import timedelta

    from moto.cloudwatch.models import cloudwatch_backends

    from stratus.local.cloudwatch.evaluator import prune_metric_data

    now = datetime.now(UTC)
    for age_hours in (5, 4, 1, 0):
        cloudwatch.put_metric_data(
            Namespace="App",
            MetricData=[
                {
                    "MetricName": "Hits",
                    "Value": age_hours,
                    "Timestamp": now - timedelta(hours=age_hours),
                }
            ],
        )
    account = boto3.client("sts", region_name="us-east-1").get_caller_identity()["Account"]
    prune_metric_data(account, now)
    kept = cloudwatch_backends[account]["us-east-1"].metric_data
    assert sorted(d.value for d in kept) == [0.0, 1.0]  # the 3-hour window


def test_recorded_builtin_metrics_are_sent_on_the_tick(cloudwatch: Any) -> None:
    from stratus.local.core.metrics import BuiltinMetrics

    builtin = BuiltinMetrics()
    builtin.count("us-east-1", "AWS/ApiGateway", "Count", ((("ApiName", "shop"),),), 4)
    evaluator = Evaluator(lambda region: lambda service: cloudwatch, builtin)
    evaluator.tick(ACCOUNT, "us-east-1")
    listed = cloudwatch.list_metrics(Namespace="AWS/ApiGateway")["Metrics"]
    assert [m["MetricName"] for m in listed] == ["Count"]
