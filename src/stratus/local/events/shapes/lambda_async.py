"""Lambda asynchronous invocation records sent to OnSuccess/OnFailure destinations.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html: version
"1.0", a millisecond timestamp, requestContext (condition Success, RetriesExhausted or
EventAgeExceeded; approximateInvokeCount), requestPayload, and — when the function ran —
responseContext (statusCode, executedVersion, functionError on failure) and responsePayload.
To an EventBridge bus the record is the `detail` of a "Lambda Function Invocation Result"
event from source "lambda".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from stratus.local.events.shapes.common import iso_millis, iso_seconds

Condition = Literal["Success", "RetriesExhausted", "EventAgeExceeded"]


@dataclass(frozen=True)
class Response:
    """What the last attempt returned."""

    payload: Any
    status_code: int = 200
    executed_version: str = "$LATEST"
    function_error: str | None = None  # "Handled" or "Unhandled" when the function failed


def destination_record(
    *,
    request_id: str,
    function_arn: str,
    condition: Condition,
    invoke_count: int,
    request_payload: Any,
    time: datetime,
    response: Response | None,
) -> dict[str, Any]:
    """The record for one asynchronous invocation's outcome."""
    if condition not in ("Success", "RetriesExhausted", "EventAgeExceeded"):
        raise ValueError(f"Unknown condition: {condition}")
    if condition == "Success" and (response is None or response.function_error):
        raise ValueError("A Success record needs a response without a function error")
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_millis(time),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": request_payload,
    }
    if response is not None:
        context: dict[str, Any] = {
            "statusCode": response.status_code,
            "executedVersion": response.executed_version,
        }
        if response.function_error:
            context["functionError"] = response.function_error
        record["responseContext"] = context
        record["responsePayload"] = response.payload
    return record


def eventbridge_event(
    record: dict[str, Any], *, event_id: str, account: str, region: str, time: datetime
) -> dict[str, Any]:
    """The record wrapped as the event Lambda puts on an EventBridge destination bus."""
    success = record["requestContext"]["condition"] == "Success"
    outcome = "Success" if success else "Failure"
    return {
        "version": "0",
        "id": event_id,
        "detail-type": f"Lambda Function Invocation Result - {outcome}",
        "source": "lambda",
        "account": account,
        "time": iso_seconds(time),
        "region": region,
        "resources": [record["requestContext"]["functionArn"]],
        "detail": record,
    }
