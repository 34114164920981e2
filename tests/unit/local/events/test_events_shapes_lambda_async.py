"""Lambda asynchronous invocation destination records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stratus.local.events.shapes.lambda_async import (
    Response,
    destination_record,
    eventbridge_event,
)

FUNCTION = "arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST"
TIME = datetime(2019, 11, 14, 18, 16, 5, 568000, tzinfo=UTC)


def test_failure_record_matches_the_docs_sample() -> None:
    # https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
    record = destination_record(
        request_id="e4b46cbf-b738-xmpl-8880-a18cdf61200e",
        function_arn=FUNCTION,
        condition="RetriesExhausted",
        invoke_count=3,
        request_payload={"ORDER_IDS": ["9e07af03-ce31-4ff3-xmpl-36dce652cb4f"]},
        time=TIME,
        response=Response(
            payload={"errorMessage": "Process exited before completing request"},
            function_error="Unhandled",
        ),
    )
    assert record == {
        "version": "1.0",
        "timestamp": "2019-11-14T18:16:05.568Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
            "functionArn": FUNCTION,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": {"ORDER_IDS": ["9e07af03-ce31-4ff3-xmpl-36dce652cb4f"]},
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {"errorMessage": "Process exited before completing request"},
    }


def test_success_record_has_no_function_error() -> None:
    record = destination_record(
        request_id="r",
        function_arn=FUNCTION,
        condition="Success",
        invoke_count=1,
        request_payload={},
        time=TIME,
        response=Response(payload="ok"),
    )
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == "ok"


def test_event_age_exceeded_without_a_run_has_no_response() -> None:
    record = destination_record(
        request_id="r",
        function_arn=FUNCTION,
        condition="EventAgeExceeded",
        invoke_count=0,
        request_payload={},
        time=TIME,
        response=None,
    )
    assert "responseContext" not in record
    assert "responsePayload" not in record


def test_success_needs_a_successful_response() -> None:
    with pytest.raises(ValueError):
        destination_record(
            request_id="r",
            function_arn=FUNCTION,
            condition="Success",
            invoke_count=1,
            request_payload={},
            time=TIME,
            response=Response(payload=None, function_error="Handled"),
        )


def test_eventbridge_destination_wraps_the_record() -> None:
    record = destination_record(
        request_id="r",
        function_arn=FUNCTION,
        condition="RetriesExhausted",
        invoke_count=3,
        request_payload={},
        time=TIME,
        response=Response(payload=None, function_error="Handled"),
    )
    event = eventbridge_event(
        record, event_id="e", account="123456789012", region="us-east-2", time=TIME
    )
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["source"] == "lambda"
    assert event["detail"] == record
