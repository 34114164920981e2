"""Asynchronous (Event) invocation as Lambda runs it: queue, retries, event age, destinations.

Copied from https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html,
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html and
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html:
- a throttled event waits in the queue (here: until a worker is released) for as long as the
  event's maximum age allows; a function error is retried MaximumRetryAttempts times (0-2,
  default 2). AWS waits 1 minute before the first retry and 2 minutes before the second;
  locally the delays are seconds and configurable so tests run fast;
- an event older than MaximumEventAgeInSeconds (60-21600, default 6 hours) is discarded
  with the condition EventAgeExceeded; one that failed every attempt with RetriesExhausted;
- the invocation record (version 1.0, requestContext, requestPayload, responseContext,
  responsePayload) goes to the OnSuccess / OnFailure destination (SQS, SNS, Lambda,
  EventBridge); a discarded event also goes, as is, to the function's dead-letter queue
  (SQS or SNS) with the RequestID, ErrorCode and ErrorMessage message attributes.
Nothing is lost silently: an event that reaches no destination is logged with its request id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from stratus.local.core.contracts import InvokeResult, TooManyRequestsError

logger = logging.getLogger("stratus.local.lambda_runtime.async")

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_S = 21_600
MAX_ERROR_MESSAGE_BYTES = 1024  # the DLQ's ErrorMessage attribute carries the first 1 KB


class DestinationSender(Protocol):
    """Delivers one message to a destination ARN (SQS queue, SNS topic, Lambda, event bus)."""

    async def send(self, arn: str, body: str, attributes: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class EventInvokeConfig:
    """AWS::Lambda::EventInvokeConfig / PutFunctionEventInvokeConfig, for one qualifier."""

    function_arn: str = ""  # qualified: ...:function:name:$LATEST / :3 / :alias
    maximum_retry_attempts: int = DEFAULT_MAX_RETRIES
    maximum_event_age_s: int = DEFAULT_MAX_EVENT_AGE_S
    on_success: str | None = None
    on_failure: str | None = None
    last_modified: float = 0.0
    configured: bool = False  # False: Lambda's defaults, nothing was put

    @classmethod
    def from_properties(cls, function_arn: str, props: dict[str, Any]) -> EventInvokeConfig:
        retries = props.get("MaximumRetryAttempts")
        age = props.get("MaximumEventAgeInSeconds")
        retries = DEFAULT_MAX_RETRIES if retries is None else int(retries)
        age = DEFAULT_MAX_EVENT_AGE_S if age is None else int(age)
        if not 0 <= retries <= 2:
            raise ValueError(f"MaximumRetryAttempts must be between 0 and 2, not {retries}")
        if not 60 <= age <= 21_600:
            raise ValueError(f"MaximumEventAgeInSeconds must be between 60 and 21600, not {age}")
        destinations = props.get("DestinationConfig") or {}
        return cls(
            function_arn=function_arn,
            maximum_retry_attempts=retries,
            maximum_event_age_s=age,
            on_success=(destinations.get("OnSuccess") or {}).get("Destination") or None,
            on_failure=(destinations.get("OnFailure") or {}).get("Destination") or None,
            last_modified=time.time(),
            configured=True,
        )


@dataclass
class AsyncEvent:
    request_id: str
    payload: bytes
    function_arn: str  # the qualified ARN the record names
    enqueued_at: float
    dead_letter_arn: str | None = None


def iso_ms(epoch: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"
    )


def _json_or_text(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def invocation_record(
    event: AsyncEvent,
    condition: str,
    attempts: int,
    result: InvokeResult | None,
    now: float,
) -> dict[str, Any]:
    """The record Lambda sends to a destination (invocation-async-retain-records.html)."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_ms(now),
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": event.function_arn,
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": _json_or_text(event.payload),
    }
    if result is not None:
        response: dict[str, Any] = {
            "statusCode": result.status_code,
            "executedVersion": result.executed_version,
        }
        if result.function_error:
            response["functionError"] = result.function_error
        record["responseContext"] = response
        record["responsePayload"] = _json_or_text(result.payload)
    return record


def dead_letter_attributes(
    request_id: str, result: InvokeResult | None, condition: str
) -> dict[str, Any]:
    """RequestID, ErrorCode and ErrorMessage, as Lambda sets them on a DLQ message."""
    message = condition
    if result is not None:
        body = _json_or_text(result.payload)
        if isinstance(body, dict) and body.get("errorMessage"):
            message = str(body["errorMessage"])
    clipped = message.encode("utf-8")[:MAX_ERROR_MESSAGE_BYTES].decode("utf-8", "ignore")
    status = str(result.status_code) if result is not None else "200"
    return {
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": status},
        "ErrorMessage": {"DataType": "String", "StringValue": clipped},
    }


class AsyncDelivery:
    """Runs one queued event to its end: attempts, retries, then destinations."""

    def __init__(
        self,
        sender: DestinationSender | None,
        retry_delays: Sequence[float],
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.sender = sender
        self.retry_delays = tuple(retry_delays) or (0.0,)
        self.clock = clock
        self.sleep = sleep

    async def run(
        self,
        event: AsyncEvent,
        config: EventInvokeConfig,
        attempt: Callable[[], Awaitable[InvokeResult]],
        wait_for_capacity: Callable[[], Awaitable[None]],
    ) -> None:
        attempts = 0
        result: InvokeResult | None = None
        condition = "RetriesExhausted"
        while True:
            remaining = config.maximum_event_age_s - (self.clock() - event.enqueued_at)
            if remaining <= 0:
                condition = "EventAgeExceeded"
                break
            try:
                result = await attempt()
            except TooManyRequestsError:  # stays queued, not dropped
                try:
                    async with asyncio.timeout(remaining):
                        await wait_for_capacity()
                except TimeoutError:
                    pass
                continue
            attempts += 1
            if result.function_error is None:
                if config.on_success:
                    record = invocation_record(event, "Success", attempts, result, self.clock())
                    await self._deliver(event, config.on_success, json.dumps(record), {})
                return
            if attempts > config.maximum_retry_attempts:
                break
            delay = self.retry_delays[min(attempts - 1, len(self.retry_delays) - 1)]
            if self.clock() + delay - event.enqueued_at > config.maximum_event_age_s:
                condition = "EventAgeExceeded"  # it would expire while waiting for its retry
                break
            await self.sleep(delay)
        await self._failed(event, config, condition, attempts, result)

    async def _failed(
        self,
        event: AsyncEvent,
        config: EventInvokeConfig,
        condition: str,
        attempts: int,
        result: InvokeResult | None,
    ) -> None:
        delivered = False
        if config.on_failure:
            record = invocation_record(event, condition, attempts, result, self.clock())
            delivered |= await self._deliver(event, config.on_failure, json.dumps(record), {})
        if event.dead_letter_arn:
            attributes = dead_letter_attributes(event.request_id, result, condition)
            body = event.payload.decode("utf-8", "replace")
            delivered |= await self._deliver(event, event.dead_letter_arn, body, attributes)
        if not delivered:
            logger.warning(
                "async event %s for %s discarded (%s after %d attempt(s)); no destination "
                "took it. Event: %s",
                event.request_id,
                event.function_arn,
                condition,
                attempts,
                event.payload[:4096].decode("utf-8", "replace"),
            )

    async def _deliver(
        self, event: AsyncEvent, arn: str, body: str, attributes: dict[str, Any]
    ) -> bool:
        if self.sender is None:
            logger.warning(
                "async event %s: no destination sender, cannot deliver to %s: %s",
                event.request_id,
                arn,
                body[:4096],
            )
            return False
        try:
            await self.sender.send(arn, body, attributes)
        except Exception as e:  # logged with everything needed to replay it by hand
            logger.error(
                "async event %s: delivery to %s failed (%s: %s): %s",
                event.request_id,
                arn,
                type(e).__name__,
                e,
                body[:4096],
            )
            return False
        return True
