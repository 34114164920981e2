"""EventBridge and Step Functions: the bus, rule, state machine or execution a call acts on.

EventBridge (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html):
- PutEvents is authorized per entry on the entry's bus (`event-bus/<name>`, the default bus
  `event-bus/default`; EventBusName may be a name or an ARN), with `events:source` and
  `events:detail-type` of that entry;
- a rule on the default bus is `rule/<name>`, on another bus `rule/<bus>/<name>`;
  PutTargets adds `events:TargetArn`, and passes each target's RoleArn to EventBridge
  (`iam:PassRole`: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html,
  the roles: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html).

Step Functions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html):
state machines `stateMachine:<name>[:<alias or version>]`, executions
`execution:<machine>:<id>`; the task-token calls (SendTask*) take "*"; CreateStateMachine
and UpdateStateMachine with a roleArn also pass it (`iam:PassRole`, PassedToService
states.amazonaws.com).
"""

from __future__ import annotations

from stratus.local.iam.actions.base import Need, Request, dedupe, is_arn, items

_NAMED = {  # parameter -> resource prefix, for the EventBridge resources named by one field
    "ArchiveName": "archive/",
    "ReplayName": "replay/",
}
_BY_NAME_OPS = {
    "CreateConnection": "connection/",
    "DescribeConnection": "connection/",
    "UpdateConnection": "connection/",
    "DeleteConnection": "connection/",
    "DeauthorizeConnection": "connection/",
    "CreateApiDestination": "api-destination/",
    "DescribeApiDestination": "api-destination/",
    "UpdateApiDestination": "api-destination/",
    "DeleteApiDestination": "api-destination/",
    "CreateEventBus": "event-bus/",
    "DeleteEventBus": "event-bus/",
    "DescribeEventBus": "event-bus/",
    "UpdateEventBus": "event-bus/",
    "CreateEndpoint": "endpoint/",
    "DeleteEndpoint": "endpoint/",
    "DescribeEndpoint": "endpoint/",
    "UpdateEndpoint": "endpoint/",
}
_RULE_OPS = frozenset(
    {
        "PutRule", "DeleteRule", "DescribeRule", "EnableRule", "DisableRule", "PutTargets",
        "RemoveTargets", "ListTargetsByRule",
    }
)  # fmt: skip


def _bus_name(value: str | None) -> str:
    if not value:
        return "default"
    if is_arn(value):
        return value.split(":event-bus/", 1)[-1]
    return value


def bus_arn(req: Request, value: str | None) -> str:
    if value and is_arn(value):
        return value
    return req.arn("events", f"event-bus/{_bus_name(value)}")


def _rule_arn(req: Request) -> str:
    name = req.text("Name") or req.text("Rule") or "*"
    bus = _bus_name(req.text("EventBusName"))
    return req.arn("events", f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}")


def events(req: Request) -> list[Need]:
    op = req.operation
    action = f"events:{op}"
    if op == "PutEvents":
        needs = []
        for entry in items(req.params, "Entries"):
            ctx: dict[str, str | list[str]] = {}
            for field_name, key in (
                ("Source", "events:source"),
                ("DetailType", "events:detail-type"),
            ):
                value = entry.get(field_name)
                if isinstance(value, str):
                    ctx[key] = value
            needs.append(Need(action, bus_arn(req, entry.get("EventBusName")), ctx))
        return dedupe(needs) or [Need(action, bus_arn(req, None))]
    if op in _RULE_OPS:
        ctx = {}
        passed: list[Need] = []
        if op == "PutTargets":
            entries = items(req.params, "Targets")
            targets = [t["Arn"] for t in entries if "Arn" in t]
            if targets:
                ctx["events:TargetArn"] = targets
            roles = dict.fromkeys(str(t["RoleArn"]) for t in entries if t.get("RoleArn"))
            passed = [
                Need("iam:PassRole", role, {"iam:PassedToService": "events.amazonaws.com"})
                for role in roles
            ]
        return [Need(action, _rule_arn(req), ctx), *passed]
    if op in _BY_NAME_OPS and req.text("Name"):
        return [Need(action, req.arn("events", f"{_BY_NAME_OPS[op]}{req.text('Name')}"))]
    for param, prefix in _NAMED.items():
        if req.text(param):
            return [Need(action, req.arn("events", f"{prefix}{req.text(param)}"))]
    return [Need(action, req.text("ResourceARN") or "*")]


def _pass_role(req: Request) -> list[Need]:
    role = req.text("roleArn")
    if role is None:
        return []
    return [Need("iam:PassRole", role, {"iam:PassedToService": "states.amazonaws.com"})]


def states(req: Request) -> list[Need]:
    op = req.operation
    action = f"states:{op}"
    if op == "CreateStateMachine":
        machine = req.arn("states", f"stateMachine:{req.text('name') or '*'}")
        return [Need(action, machine), *_pass_role(req)]
    if op == "UpdateStateMachine":
        return [Need(action, req.text("stateMachineArn") or "*"), *_pass_role(req)]
    if op == "CreateActivity":
        return [Need(action, req.arn("states", f"activity:{req.text('name') or '*'}"))]
    for param in ("executionArn", "stateMachineArn", "stateMachineAliasArn", "mapRunArn",
                  "activityArn", "resourceArn"):  # fmt: skip
        if req.text(param):
            return [Need(action, str(req.text(param)))]
    return [Need(action, "*")]


MAPPERS = {"events": events, "stepfunctions": states}
