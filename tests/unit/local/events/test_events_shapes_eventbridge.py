"""EventBridge envelopes from PutEvents entries and their SQS/Lambda delivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from stratus.local.events.shapes.eventbridge import EntryError, entry_size, envelope, sqs_body

NOW = datetime(2017, 12, 22, 18, 43, 48, 123000, tzinfo=UTC)
ENTRY: dict[str, Any] = {
    "Source": "com.mycompany.myapp",
    "DetailType": "myDetailType",
    "Detail": '{"key1": "value1", "key2": "value2"}',
    "Resources": ["resource1", "resource2"],
    "EventBusName": "default",
}


def build(entry: dict[str, Any]) -> dict[str, Any]:
    return envelope(entry, event_id="id-1", account="123456789012", region="us-east-1", now=NOW)


def test_envelope_has_the_documented_fields() -> None:
    # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
    assert build(ENTRY) == {
        "version": "0",
        "id": "id-1",
        "detail-type": "myDetailType",
        "source": "com.mycompany.myapp",
        "account": "123456789012",
        "time": "2017-12-22T18:43:48Z",
        "region": "us-east-1",
        "resources": ["resource1", "resource2"],
        "detail": {"key1": "value1", "key2": "value2"},
    }
    EventBridgeModel.model_validate(build(ENTRY))
    parsed = EventBridgeEvent(build(ENTRY))
    assert parsed.detail_type == "myDetailType"
    assert parsed.detail == {"key1": "value1", "key2": "value2"}


def test_entry_time_overrides_now() -> None:
    entry = {**ENTRY, "Time": datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)}
    assert build(entry)["time"] == "2020-01-02T03:04:05Z"


def test_missing_resources_become_an_empty_list() -> None:
    entry = {k: v for k, v in ENTRY.items() if k != "Resources"}
    assert build(entry)["resources"] == []


@pytest.mark.parametrize("missing", ["Source", "DetailType", "Detail"])
def test_entry_without_required_field_fails_with_invalid_argument(missing: str) -> None:
    with pytest.raises(EntryError) as caught:
        build({k: v for k, v in ENTRY.items() if k != missing})
    assert caught.value.code == "InvalidArgument"
    assert missing in caught.value.message


@pytest.mark.parametrize("detail", ["not json", "[1, 2]", '"text"'])
def test_detail_that_is_not_a_json_object_is_malformed(detail: str) -> None:
    with pytest.raises(EntryError) as caught:
        build({**ENTRY, "Detail": detail})
    assert caught.value.code == "MalformedDetail"


def test_entry_over_256_kb_is_refused() -> None:
    big = {**ENTRY, "Detail": json.dumps({"x": "a" * (256 * 1024)})}
    with pytest.raises(EntryError):
        build(big)


def test_entry_size_counts_documented_fields() -> None:
    # eb-putevent-size.html: Time adds 14 bytes; Source, DetailType, Detail, Resources count.
    entry = {"Source": "ab", "DetailType": "c", "Detail": "{}", "Resources": ["r1"]}
    assert entry_size(entry) == 2 + 1 + 2 + 2
    assert entry_size({**entry, "Time": NOW}) == 7 + 14


def test_sqs_target_body_is_the_event_as_json() -> None:
    event = build(ENTRY)
    assert json.loads(sqs_body(event)) == event
