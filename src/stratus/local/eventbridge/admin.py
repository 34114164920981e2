"""`POST /_stratus/events/rules/{name}/fire`: fire one rule now (`stratus events fire RULE`).

A local-only path on the AWS endpoint, not an AWS API. A scheduled rule sends its targets the
scheduled event; a pattern rule sends the event the caller describes (source, detail-type,
detail), or else the smallest event its pattern matches. The body (JSON, all optional):
`{"bus": NAME, "region": REGION, "source": S, "detail-type": T, "detail": {...}}`.
Answers 200 with the rule and the event sent, 404 naming the rules there are.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from starlette.responses import JSONResponse, Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.eventbridge.delivery import EventBridgeDelivery, RuleView, scheduled_event
from stratus.local.events.shapes.common import iso_seconds

FIRE_PATH = re.compile(r"^/_stratus/events/rules/([^/]+)/fire$")


def sample_value(spec: Any) -> tuple[bool, Any]:
    """A leaf value one condition of a pattern accepts, if an easy one exists."""
    if not isinstance(spec, dict):
        return True, spec  # an exact value (string, number, boolean, null)
    if "prefix" in spec and isinstance(spec["prefix"], str):
        return True, spec["prefix"]
    if "suffix" in spec and isinstance(spec["suffix"], str):
        return True, spec["suffix"]
    if "equals-ignore-case" in spec:
        return True, spec["equals-ignore-case"]
    if "wildcard" in spec and isinstance(spec["wildcard"], str):
        return True, spec["wildcard"].replace("*", "")
    if spec.get("exists") is True:
        return True, "x"
    if spec.get("exists") is False:
        return False, None  # the field must be absent
    if "numeric" in spec:
        ops = spec["numeric"]
        bounds = dict(zip(ops[::2], ops[1::2], strict=False))
        low = bounds.get(">=", bounds.get("="))
        if low is not None:
            return True, low
        if ">" in bounds:
            return True, bounds[">"] + 1
        if "<=" in bounds:
            return True, bounds["<="]
        if "<" in bounds:
            return True, bounds["<"] - 1
    return True, "stratus-sample"


def sample_event(pattern: dict[str, Any]) -> dict[str, Any]:
    """Fields of an event that the pattern probably matches (checked by the caller)."""
    out: dict[str, Any] = {}
    for key, value in pattern.items():
        if key == "$or" and isinstance(value, list) and value:
            out.update(sample_event(value[0]))
        elif isinstance(value, dict):
            out[key] = sample_event(value)
        elif isinstance(value, list) and value:
            present, leaf = sample_value(value[0])
            if present:
                out[key] = leaf
    return out


def pattern_event(
    rule: RuleView, account: str, given: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The event a pattern rule is fired with: the caller's fields over a matching sample."""
    sample = sample_event(json.loads(rule.pattern)) if rule.pattern else {}
    detail = given.get("detail", sample.get("detail", {}))
    resources = sample.get("resources", [])
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": str(given.get("detail-type") or sample.get("detail-type") or "stratus"),
        "source": str(given.get("source") or sample.get("source") or "stratus.events.fire"),
        "account": account,
        "time": iso_seconds(now),
        "region": rule.region,
        "resources": resources if isinstance(resources, list) else [resources],
        "detail": detail if isinstance(detail, dict) else {},
    }


def fire_handler(
    delivery: Callable[[], EventBridgeDelivery | None],
    rules: Callable[[str | None], Iterable[RuleView]],
) -> Callable[[AwsRequest], Any]:
    async def handle(request: AwsRequest) -> Response | None:
        match = FIRE_PATH.match(request.path)
        target = delivery()
        if match is None:
            return None
        if target is None:
            return JSONResponse({"message": "EventBridge is not started yet"}, 503)
        name = unquote(match.group(1))
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return JSONResponse({"message": "the body must be JSON"}, 400)
        if not isinstance(body, dict):
            return JSONResponse({"message": "the body must be a JSON object"}, 400)
        known = list(rules(body.get("region")))
        bus = body.get("bus")
        found = [r for r in known if r.name == name and (bus is None or r.bus == bus)]
        if not found:
            names = sorted({r.name if r.bus == "default" else f"{r.bus}/{r.name}" for r in known})
            return JSONResponse(
                {"message": f"no rule named {name!r}", "rules": names}, status_code=404
            )
        found.sort(key=lambda r: r.bus != "default")  # the default bus first
        rule = found[0]
        now = datetime.now(UTC)
        if rule.schedule and not any(k in body for k in ("source", "detail-type", "detail")):
            event = scheduled_event(rule, target.account, now, str(uuid.uuid4()))
            matches = True
        else:
            event = pattern_event(rule, target.account, body, now)
            matches = target.matches(rule, event)
        target.send_to_rule(rule, event)
        return JSONResponse(
            {
                "rule": rule.name,
                "ruleArn": rule.arn,
                "bus": rule.bus,
                "enabled": rule.enabled,
                "targets": len(rule.targets),
                "matchesPattern": matches,
                "event": event,
            }
        )

    return handle
