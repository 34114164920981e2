"""A target's retry policy and dead-letter queue, as EventBridge applies them.

https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html: a failed delivery
is retried with exponential backoff and jitter, by default for 24 hours and up to 185 times
(`RetryPolicy` MaximumEventAgeInSeconds 60-86400, MaximumRetryAttempts 0-185,
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html). Errors
that retrying cannot fix — missing permissions, a target resource that does not exist — are
not retried: the event goes straight to the DLQ, if there is one. A DLQ message carries the
event and the attributes RULE_ARN, TARGET_ARN, ERROR_CODE and ERROR_MESSAGE (plus, for an
event whose retries ran out, EXHAUSTED_RETRY_CONDITION and RETRY_ATTEMPTS).

Locally the backoff is in seconds rather than AWS's minutes to hours: the first retry after
`Backoff.base` seconds, doubling up to `Backoff.cap`, with jitter; tests shrink it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.core.contracts import FunctionNotFoundError, TooManyRequestsError
from stratus.local.delivery.targets import Message, UnsupportedTargetError

DEFAULT_MAX_RETRIES = 185
DEFAULT_MAX_AGE_SECONDS = 86400

# Error codes of the target's service that mean "no such resource" (not retried).
_MISSING = {
    "ResourceNotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "NotFound",
    "NotFoundException",
}
_DENIED = {"AccessDenied", "AccessDeniedException", "AuthorizationError"}
_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "Throttling"}


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = DEFAULT_MAX_RETRIES
    max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS

    @classmethod
    def of(cls, target: Mapping[str, Any]) -> RetryPolicy:
        spec = target.get("RetryPolicy") or {}
        return cls(
            max_retries=int(spec.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES)),
            max_age_seconds=int(spec.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_SECONDS)),
        )


@dataclass
class Backoff:
    """Seconds to wait before retry number `attempt` (1-based): base * 2^(n-1), capped, with
    full jitter on the upper half (AWS: "exponential back off and jitter")."""

    base: float = 1.0
    cap: float = 30.0

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Failure:
    code: str  # EventBridge's DLQ ERROR_CODE
    message: str
    retryable: bool


def classify(exc: BaseException) -> Failure:
    """What EventBridge would call this delivery error, and whether it retries it."""
    text = str(exc)[:1000] or type(exc).__name__
    if isinstance(exc, FunctionNotFoundError):
        return Failure("NO_RESOURCE", text, retryable=False)
    if isinstance(exc, TooManyRequestsError):
        return Failure("THROTTLING", text, retryable=True)
    if isinstance(exc, UnsupportedTargetError):
        return Failure("INVALID_PARAMETER", text, retryable=False)
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            return Failure("NO_RESOURCE", text, retryable=False)
        if code in _DENIED:
            return Failure("NO_PERMISSIONS", text, retryable=False)
        if code in _THROTTLED:
            return Failure("THROTTLING", text, retryable=True)
        if code.startswith("InvalidParameter") or code == "ValidationException":
            return Failure("INVALID_PARAMETER", text, retryable=False)
        return Failure("SDK_CLIENT_ERROR", text, retryable=True)
    if isinstance(exc, (ConnectionError, OSError)):
        return Failure("CONNECTION_FAILURE", text, retryable=True)
    if isinstance(exc, TimeoutError):
        return Failure("TIMEOUT", text, retryable=True)
    return Failure("INTERNAL_ERROR", text, retryable=True)


def dead_letter_message(
    event: Mapping[str, Any],
    failure: Failure,
    *,
    rule_arn: str,
    target_arn: str,
    retries: int,
    exhausted: str | None,
) -> Message:
    """The SQS message EventBridge puts on a target's DLQ: the event, and why it failed."""

    def text(value: str) -> dict[str, str]:
        return {"DataType": "String", "StringValue": value}

    attributes = {
        "RULE_ARN": text(rule_arn),
        "TARGET_ARN": text(target_arn),
        "ERROR_CODE": text(failure.code),
        "ERROR_MESSAGE": text(failure.message[:256] or failure.code),
    }
    if exhausted is not None:
        attributes["EXHAUSTED_RETRY_CONDITION"] = text(exhausted)
        attributes["RETRY_ATTEMPTS"] = {"DataType": "Number", "StringValue": str(retries)}
    return Message(body=json.dumps(dict(event), separators=(",", ":")), attributes=attributes)
