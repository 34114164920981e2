"""`AWS::Events::EventBus` and `AWS::Events::Rule`, created in moto through the EventBridge API.

Properties and return values as CloudFormation documents them:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-events-eventbus.html
(Ref: the bus name; Arn, Name) and
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-events-rule.html
(Ref: the rule name, or `bus|rule` for a rule on a custom bus; Arn). A rule's Targets use
the API's own member names, so they go to PutTargets as they are.
"""

from __future__ import annotations

import json
from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
    tags,
)

_INT_FIELDS = {"MaximumEventAgeInSeconds", "MaximumRetryAttempts", "TaskCount"}


def _bus_name(value: Any) -> str:
    text = str(value or "default")
    return text.rsplit("event-bus/", 1)[-1] if text.startswith("arn:") else text


class EventBusProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        events = ctx.aws("events")
        name = str(props["Name"])
        params: dict[str, Any] = {"Name": name}
        if props.get("EventSourceName"):
            params["EventSourceName"] = str(props["EventSourceName"])
        if props.get("Description"):
            params["Description"] = str(props["Description"])
        if props.get("Tags"):
            params["Tags"] = tags(props)
        try:
            arn = events.create_event_bus(**params)["EventBusArn"]
        except Exception as exc:
            if error_code(exc) != "ResourceAlreadyExistsException":
                raise
            arn = events.describe_event_bus(Name=name)["Arn"]
        if props.get("Policy"):
            policy = props["Policy"]
            events.put_permission(
                EventBusName=name, Policy=policy if isinstance(policy, str) else json.dumps(policy)
            )
        return name, {"Arn": arn, "Name": name, "Policy": props.get("Policy")}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("events").describe_event_bus(Name=physical_id),
            "ResourceNotFoundException",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("events").delete_event_bus(Name=physical_id)


def _split(physical_id: str) -> tuple[str, str]:
    """`bus|rule` or `rule` -> (bus, rule)."""
    if "|" in physical_id:
        bus, _, rule = physical_id.partition("|")
        return bus, rule
    return "default", physical_id


def _target(spec: dict[str, Any]) -> dict[str, Any]:
    """A template target as PutTargets takes it (numbers the template may hold as text)."""

    def fix(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: fix(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        if key in _INT_FIELDS and isinstance(value, str) and value.isdigit():
            return int(value)
        return value

    return fix(dict(spec))


class RuleProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        events = ctx.aws("events")
        bus = _bus_name(props.get("EventBusName"))
        name = str(props.get("Name") or ctx.name(64))
        params: dict[str, Any] = {"Name": name, "State": str(props.get("State") or "ENABLED")}
        if bus != "default":
            params["EventBusName"] = bus
        pattern = props.get("EventPattern")
        if pattern is not None:
            params["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        for key in ("ScheduleExpression", "Description", "RoleArn"):
            if props.get(key):
                params[key] = str(props[key])
        arn = events.put_rule(**params)["RuleArn"]
        wanted = [_target(t) for t in props.get("Targets") or []]
        on_bus = {"EventBusName": bus} if bus != "default" else {}
        existing = events.list_targets_by_rule(Rule=name, **on_bus).get("Targets", [])
        stale = [t["Id"] for t in existing if t["Id"] not in {w["Id"] for w in wanted}]
        if stale:
            events.remove_targets(Rule=name, Ids=stale, **on_bus)
        if wanted:
            failed = events.put_targets(Rule=name, Targets=wanted, **on_bus).get("FailedEntries")
            if failed:
                raise RuntimeError(f"PutTargets on {name} failed: {failed}")
        physical = name if bus == "default" else f"{bus}|{name}"
        return physical, {"Arn": arn}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        bus, rule = _split(physical_id)
        return answers(
            lambda: ctx.aws("events").describe_rule(Name=rule, EventBusName=bus),
            "ResourceNotFoundException",
        )

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        bus, rule = _split(physical_id)
        same_bus = _bus_name(props.get("EventBusName")) == bus
        if not same_bus or (props.get("Name") and props["Name"] != rule):
            return None  # a new name or bus replaces the rule
        return self.create(ctx, {**props, "Name": rule})

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        events = ctx.aws("events")
        bus, rule = _split(physical_id)
        ids = [
            t["Id"]
            for t in events.list_targets_by_rule(Rule=rule, EventBusName=bus).get("Targets", [])
        ]
        if ids:
            events.remove_targets(Rule=rule, EventBusName=bus, Ids=ids)
        events.delete_rule(Name=rule, EventBusName=bus)


class ScheduleProvider(Provider):
    """`AWS::Scheduler::Schedule` (Ref: the schedule's name; Arn), created in moto's Scheduler.

    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-scheduler-schedule.html
    """

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        scheduler = ctx.aws("scheduler")
        name = str(props.get("Name") or ctx.name(64))
        params: dict[str, Any] = {
            "Name": name,
            "ScheduleExpression": str(props["ScheduleExpression"]),
            "FlexibleTimeWindow": _target(dict(props.get("FlexibleTimeWindow") or {"Mode": "OFF"})),
            "Target": _target(dict(props["Target"])),
        }
        for key in (
            "GroupName",
            "ScheduleExpressionTimezone",
            "State",
            "Description",
            "StartDate",
            "EndDate",
            "KmsKeyArn",
        ):
            if props.get(key):
                params[key] = props[key]
        if "MaximumWindowInMinutes" in params["FlexibleTimeWindow"]:
            window = params["FlexibleTimeWindow"]
            window["MaximumWindowInMinutes"] = int(window["MaximumWindowInMinutes"])
        try:
            arn = scheduler.create_schedule(**params)["ScheduleArn"]
        except Exception as exc:
            if error_code(exc) != "ConflictException":
                raise
            scheduler.update_schedule(**params)
            arn = scheduler.get_schedule(Name=name, GroupName=props.get("GroupName") or "default")[
                "Arn"
            ]
        return name, {"Arn": arn}

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if props.get("Name") and props["Name"] != physical_id:
            return None
        return self.create(ctx, {**props, "Name": physical_id})

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("scheduler").delete_schedule(Name=physical_id)
