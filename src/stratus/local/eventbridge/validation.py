"""What PutRule and PutTargets reject on AWS and moto 5.2.5 lets through.

moto validates an event pattern only as "object or array" and a schedule with a loose regex;
ours (`events.patterns`, `events.schedule`) give AWS's errors, so a rule that would fail to
deploy on AWS fails locally too. PutTargets: an InputTransformer or InputPath EventBridge
would refuse (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html),
more than one of Input/InputPath/InputTransformer, and RetryPolicy outside its ranges
(https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stratus.local.events.patterns import EventPattern, InvalidEventPatternException
from stratus.local.events.schedule import InvalidScheduleExpression
from stratus.local.events.schedule import parse as parse_schedule
from stratus.local.events.transform import InputTransformer, InvalidInputTransformer, validate_path


class RequestRejected(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_put_rule(params: Mapping[str, Any]) -> None:
    pattern = params.get("EventPattern")
    if pattern:
        try:
            EventPattern.parse(str(pattern))
        except InvalidEventPatternException as exc:
            raise RequestRejected("InvalidEventPatternException", str(exc)) from exc
    schedule = params.get("ScheduleExpression")
    if schedule:
        try:
            parse_schedule(str(schedule))
        except InvalidScheduleExpression as exc:
            raise RequestRejected("ValidationException", str(exc)) from exc


def _check_range(target_id: str, name: str, value: Any, low: int, high: int) -> None:
    if value is None:
        return
    if not isinstance(value, int) or not low <= value <= high:
        raise RequestRejected(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at "
            f"'targets.{target_id}.member.retryPolicy.{name[0].lower()}{name[1:]}' "
            "failed to satisfy constraint: Member must have value "
            f"between {low} and {high}",
        )


def check_put_targets(params: Mapping[str, Any]) -> None:
    for target in params.get("Targets") or []:
        if not isinstance(target, Mapping):
            continue
        target_id = str(target.get("Id", ""))
        given = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
        if len(given) > 1:
            raise RequestRejected(
                "ValidationException",
                f"Only one of Input, InputPath, or InputTransformer must be provided for target "
                f"{target_id}.",
            )
        try:
            if target.get("InputPath") is not None:
                validate_path(str(target["InputPath"]))
            spec = target.get("InputTransformer")
            if spec is not None:
                InputTransformer(str(spec.get("InputTemplate", "")), spec.get("InputPathsMap"))
        except InvalidInputTransformer as exc:
            raise RequestRejected("ValidationException", str(exc)) from exc
        policy = target.get("RetryPolicy") or {}
        _check_range(target_id, "MaximumRetryAttempts", policy.get("MaximumRetryAttempts"), 0, 185)
        _check_range(
            target_id, "MaximumEventAgeInSeconds", policy.get("MaximumEventAgeInSeconds"), 60, 86400
        )
