"""Event source mapping batches: partial failures, filter criteria, bisection."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from stratus.local.events.patterns import InvalidEventPatternException
from stratus.local.events.shapes.batch import (
    BatchOutcome,
    FilterCriteria,
    bisect,
    parse_batch_response,
    stream_retry_from,
)

IDS = ["m1", "m2", "m3"]


@pytest.mark.parametrize(
    "response",
    [
        None,
        {},
        {"batchItemFailures": []},
        {"batchItemFailures": None},
        "",
        '{"batchItemFailures": []}',
    ],
)
def test_empty_or_null_responses_mean_the_whole_batch_succeeded(response: Any) -> None:
    assert parse_batch_response(response, IDS).succeeded


def test_listed_items_fail_and_the_rest_succeed() -> None:
    outcome = parse_batch_response({"batchItemFailures": [{"itemIdentifier": "m2"}]}, IDS)
    assert outcome == BatchOutcome(failed_ids=("m2",))
    assert not outcome.succeeded


def test_json_text_response_is_parsed() -> None:
    text = json.dumps({"batchItemFailures": [{"itemIdentifier": "m3"}]})
    assert parse_batch_response(text, IDS).failed_ids == ("m3",)


@pytest.mark.parametrize(
    "response",
    [
        "{not json",
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"itemId": "m1"}]},
        {"batchItemFailures": [{"itemIdentifier": "unknown"}]},
        {"batchItemFailures": "m1"},
    ],
)
def test_malformed_failures_fail_the_whole_batch(response: Any) -> None:
    assert parse_batch_response(response, IDS).whole_batch


def test_without_report_batch_item_failures_any_return_is_success() -> None:
    response = {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert parse_batch_response(response, IDS, report_item_failures=False).succeeded


def test_stream_retries_from_the_lowest_failed_sequence_number() -> None:
    sequence = ["100", "200", "300", "400"]
    outcome = parse_batch_response(
        {"batchItemFailures": [{"itemIdentifier": "300"}, {"itemIdentifier": "200"}]}, sequence
    )
    assert stream_retry_from(outcome, sequence) == 1
    assert stream_retry_from(BatchOutcome(), sequence) is None
    assert stream_retry_from(BatchOutcome(whole_batch=True), sequence) == 0


def test_bisect_splits_in_two_halves() -> None:
    assert bisect([1, 2, 3, 4]) == ([1, 2], [3, 4])
    assert bisect([1, 2, 3]) == ([1], [2, 3])
    assert bisect([1]) is None


def sqs(body: str, **attributes: str) -> dict[str, Any]:
    return {"messageId": "m", "body": body, "attributes": attributes, "eventSource": "aws:sqs"}


def criteria(*patterns: dict[str, Any], source: Any = "sqs") -> FilterCriteria:
    return FilterCriteria({"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}, source)


def test_no_filters_keep_every_record() -> None:
    assert FilterCriteria(None, "sqs").keeps(sqs("anything"))


def test_sqs_json_body_is_matched_as_json() -> None:
    # https://docs.aws.amazon.com/lambda/latest/dg/with-sqs-filtering.html
    rule = criteria({"body": {"RequestCode": ["BBBB"]}})
    assert rule.keeps(sqs(json.dumps({"RequestCode": "BBBB"})))
    assert not rule.keeps(sqs(json.dumps({"RequestCode": "AAAA"})))


def test_json_pattern_drops_a_plain_body() -> None:
    assert not criteria({"body": {"RequestCode": [{"exists": False}]}}).keeps(sqs("plain"))


def test_plain_pattern_matches_plain_body_and_drops_json_body() -> None:
    rule = criteria({"body": ["plain"]})
    assert rule.keeps(sqs("plain"))
    assert not rule.keeps(sqs(json.dumps(["plain"])))


def test_metadata_filters_apply_to_any_body() -> None:
    rule = criteria({"attributes": {"SenderId": ["me"]}})
    assert rule.keeps(sqs("plain", SenderId="me"))
    assert not rule.keeps(sqs("plain", SenderId="you"))


def test_any_filter_matching_keeps_the_record() -> None:
    rule = criteria({"body": {"a": [1]}}, {"body": {"b": [2]}})
    assert rule.keeps(sqs('{"b": 2}'))
    assert not rule.keeps(sqs('{"c": 3}'))


def test_kinesis_data_is_decoded_and_matched_as_json() -> None:
    data = base64.b64encode(json.dumps({"tempF": 70}).encode()).decode()
    record = {"kinesis": {"partitionKey": "1", "data": data}, "eventSource": "aws:kinesis"}
    assert criteria({"data": {"tempF": [{"numeric": [">", 60]}]}}, source="kinesis").keeps(record)
    assert not criteria({"data": {"tempF": [{"numeric": ["<", 60]}]}}, source="kinesis").keeps(
        record
    )
    assert criteria({"partitionKey": ["1"]}, source="kinesis").keeps(record)


def test_dynamodb_filters_see_the_whole_record() -> None:
    record = {"eventName": "INSERT", "dynamodb": {"Keys": {"Id": {"N": "101"}}}}
    rule = criteria(
        {"eventName": ["INSERT"], "dynamodb": {"Keys": {"Id": {"N": ["101"]}}}}, source="dynamodb"
    )
    assert rule.keeps(record)
    assert not rule.keeps({**record, "eventName": "REMOVE"})


def test_invalid_filter_pattern_is_rejected() -> None:
    with pytest.raises(InvalidEventPatternException):
        criteria({"body": [{"prefx": "a"}]})


def test_more_than_five_filters_are_rejected() -> None:
    with pytest.raises(ValueError):
        criteria(*({"body": [str(i)]} for i in range(6)))
