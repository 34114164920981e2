"""AWS::Events::EventBus and AWS::Events::Rule are provisioned into moto as CloudFormation would."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from tests.unit.local.eventbridge.eb_harness import EventsCloud

from stratus.local.core.settings import ACCOUNT_ID, LocalSettings
from stratus.local.eventbridge.providers import EventBusProvider, RuleProvider
from stratus.local.eventbridge.put_events import PutEventsValidationError, bus_name, put_events
from stratus.local.provision.provider import ProviderContext


def _ctx(cloud: EventsCloud, tmp_path: Path, logical_id: str, type_name: str) -> ProviderContext:
    return ProviderContext(
        settings=LocalSettings.for_project(tmp_path),
        aws=cloud.aws,
        stack="Stack",
        logical_id=logical_id,
        resource_type=type_name,
    )


def test_rule_on_a_custom_bus_with_targets(events_cloud: EventsCloud, tmp_path: Path) -> None:
    bus = f"b-{uuid.uuid4().hex[:6]}"
    bus_ctx = _ctx(events_cloud, tmp_path, "Bus", "AWS::Events::EventBus")
    bus_id, bus_attrs = EventBusProvider().create(bus_ctx, {"Name": bus})
    assert bus_id == bus
    assert bus_attrs["Arn"] == f"arn:aws:events:us-east-1:{ACCOUNT_ID}:event-bus/{bus}"
    url, queue_arn = events_cloud.queue()
    ctx = _ctx(events_cloud, tmp_path, f"Rule{uuid.uuid4().hex[:6]}", "AWS::Events::Rule")
    props = {
        "EventBusName": bus_attrs["Arn"],
        "EventPattern": {"source": ["from.cfn"]},
        "State": "ENABLED",
        "Targets": [
            {
                "Id": "Target0",
                "Arn": queue_arn,
                "RetryPolicy": {"MaximumRetryAttempts": "3"},
                "InputTransformer": {
                    "InputPathsMap": {"s": "$.source"},
                    "InputTemplate": '{"from": <s>}',
                },
            }
        ],
    }
    physical, attrs = RuleProvider().create(ctx, props)
    name = physical.split("|", 1)[1]
    assert physical == f"{bus}|{name}"
    assert attrs["Arn"] == f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/{bus}/{name}"
    assert RuleProvider().exists(ctx, physical)
    events_cloud.aws("events").put_events(
        Entries=[{"Source": "from.cfn", "DetailType": "t", "Detail": "{}", "EventBusName": bus}]
    )
    assert json.loads(events_cloud.receive(url)[0]["Body"]) == {"from": "from.cfn"}


def test_rule_update_replaces_the_targets(events_cloud: EventsCloud, tmp_path: Path) -> None:
    _, first = events_cloud.queue()
    _, second = events_cloud.queue()
    ctx = _ctx(events_cloud, tmp_path, f"Sched{uuid.uuid4().hex[:6]}", "AWS::Events::Rule")
    provider = RuleProvider()
    physical, _ = provider.create(
        ctx, {"ScheduleExpression": "rate(5 minutes)", "Targets": [{"Id": "A", "Arn": first}]}
    )
    assert "|" not in physical
    provider.update(
        ctx,
        physical,
        {"ScheduleExpression": "rate(1 hour)", "Targets": [{"Id": "B", "Arn": second}]},
    )
    events = events_cloud.aws("events")
    assert events.describe_rule(Name=physical)["ScheduleExpression"] == "rate(1 hour)"
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=physical)["Targets"]] == ["B"]
    provider.delete(ctx, physical)
    assert not provider.exists(ctx, physical)


def test_put_events_entry_time_becomes_iso_and_bus_arns_become_names() -> None:
    result = put_events(
        {
            "Entries": [
                {
                    "Source": "s",
                    "DetailType": "t",
                    "Detail": "{}",
                    "Time": 1767225600,
                    "EventBusName": f"arn:aws:events:us-east-1:{ACCOUNT_ID}:event-bus/orders",
                }
            ]
        },
        account=ACCOUNT_ID,
        region="eu-west-1",
        new_id=lambda: "id-1",
    )
    [accepted] = result.accepted
    assert accepted.bus_name == "orders"
    assert accepted.event["time"] == "2026-01-01T00:00:00Z"
    assert accepted.event["region"] == "eu-west-1"
    assert result.response() == {"FailedEntryCount": 0, "Entries": [{"EventId": "id-1"}]}
    assert bus_name(None) == "default"


def test_put_events_without_entries_is_a_validation_error() -> None:
    with pytest.raises(PutEventsValidationError):
        put_events({"Entries": []}, account=ACCOUNT_ID, region="us-east-1")
