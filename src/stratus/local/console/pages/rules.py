"""Rules: every EventBridge event bus of the account in each Region of the deployment with
its rules (event pattern or schedule, state, targets with their dead-letter queue and retry
policy), and EventBridge Scheduler's schedules; one rule with its targets' input. From the
EventBridge and Scheduler APIs, as their AWS consoles show them. A target without a retry
policy shows EventBridge's defaults, 185 attempts over up to 24 hours
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.layout import ConsoleError, render
from stratus.local.console.pages import Page
from stratus.local.console.pages import _messaging as m

# https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html and
# API_CreateEventBus.html (a partner bus's "/" cannot be a path segment here).
BUS_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,256}")
RULE_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,64}")
RULES_PER_BUS = 100  # ListRules' Limit for one page
SCHEDULES_PER_PAGE = 100
DEFAULTS = {"default_retries": 185, "default_age": 86400}


@dataclass
class Target:
    id: str
    arn: str
    link: str | None
    dlq: str | None
    dlq_link: str | None
    max_retries: int | None
    max_age: int | None
    input: str | None = None  # Input, InputPath or the InputTransformer's template


@dataclass
class Rule:
    name: str
    bus: str
    state: str
    pattern: str | None
    schedule: str | None
    description: str
    targets: list[Target] = field(default_factory=list)


@dataclass
class Bus:
    name: str
    arn: str
    rules: list[Rule]
    more_rules: bool


@dataclass
class Schedule:
    name: str
    group: str
    state: str
    expression: str
    target: Target | None


def _pretty(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


def _target(item: dict[str, Any]) -> Target:
    dlq = item.get("DeadLetterConfig", {}).get("Arn")
    retry = item.get("RetryPolicy", {})
    transformer = item.get("InputTransformer", {})
    given = item.get("Input") or item.get("InputPath") or transformer.get("InputTemplate")
    return Target(
        id=str(item.get("Id", "")),
        arn=str(item.get("Arn", "")),
        link=m.link_of_arn(str(item.get("Arn", ""))),
        dlq=m.name_of_arn(dlq) if dlq else None,
        dlq_link=m.link_of_arn(dlq) if dlq else None,
        max_retries=retry.get("MaximumRetryAttempts"),
        max_age=retry.get("MaximumEventAgeInSeconds"),
        input=_pretty(given) if isinstance(given, str) else None,
    )


def _rule(events: Any, bus: str, item: dict[str, Any]) -> Rule:
    rule = Rule(
        name=item["Name"],
        bus=bus,
        state=item.get("State", ""),
        pattern=_pretty(item.get("EventPattern")),
        schedule=item.get("ScheduleExpression"),
        description=item.get("Description", ""),
    )
    try:
        targets = events.list_targets_by_rule(Rule=rule.name, EventBusName=bus, Limit=100)
    except m.AWS_ERRORS:  # deleted between the list and the read
        targets = {}
    rule.targets = [_target(t) for t in targets.get("Targets", [])]
    return rule


def _schedules(console: ConsoleContext, region: str) -> list[Schedule]:
    scheduler = console.aws("scheduler", region)
    try:
        listed = scheduler.list_schedules(MaxResults=SCHEDULES_PER_PAGE)
    except m.AWS_ERRORS:  # Scheduler not emulated there: none to show
        return []
    found = []
    for item in listed.get("Schedules", []):
        group = item.get("GroupName", "default")
        try:
            full = scheduler.get_schedule(Name=item["Name"], GroupName=group)
        except m.AWS_ERRORS:
            continue
        target = full.get("Target")
        found.append(
            Schedule(
                name=item["Name"],
                group=group,
                state=full.get("State", ""),
                expression=full.get("ScheduleExpression", ""),
                target=_target(target) if isinstance(target, dict) else None,
            )
        )
    return found


@dataclass
class RegionRules:
    region: str
    buses: list[Bus]
    schedules: list[Schedule]


def _list_region(console: ConsoleContext, region: str) -> RegionRules:
    events = console.aws("events", region)
    buses = []
    for item in m.aws_call(events.list_event_buses, Limit=100).get("EventBuses", []):
        name = item["Name"]
        listed = m.aws_call(events.list_rules, EventBusName=name, Limit=RULES_PER_BUS)
        rules = [_rule(events, name, r) for r in listed.get("Rules", [])]
        buses.append(Bus(name, item.get("Arn", ""), rules, bool(listed.get("NextToken"))))
    return RegionRules(region, buses, _schedules(console, region))


def rule_list(request: Request) -> Response:
    console = console_of(request)
    return render(
        request,
        "rules/list.html",
        title="Rules",
        active="rules",
        regions=[_list_region(console, r) for r in m.chosen_regions(request, console)],
        default_region=console.settings.region,
        **DEFAULTS,
    )


def rule_detail(request: Request) -> Response:
    console = console_of(request)
    bus = m.checked_name(request.path_params["bus"], BUS_NAME, "event bus")
    name = m.checked_name(request.path_params["rule"], RULE_NAME, "rule")
    for region in m.chosen_regions(request, console):
        events = console.aws("events", region)
        try:
            item = m.aws_call(events.describe_rule, Name=name, EventBusName=bus, missing="rule")
        except ConsoleError as exc:
            if exc.status == 404:
                continue
            raise
        return render(
            request,
            "rules/detail.html",
            title=name,
            active="rules",
            rule=_rule(events, bus, item),
            arn=item.get("Arn", ""),
            region=region,
            region_query="" if region == console.settings.region else f"region={quote(region)}",
            **DEFAULTS,
        )
    raise ConsoleError(404, f"No rule {name} on event bus {bus}.")


def routes(console: ConsoleContext) -> list[BaseRoute]:
    return [
        Route("/rules", rule_list, methods=["GET", "HEAD"]),
        Route("/rules/{bus}/{rule}", rule_detail, methods=["GET", "HEAD"]),
    ]


PAGE = Page("rules", "Rules", 43, routes)
