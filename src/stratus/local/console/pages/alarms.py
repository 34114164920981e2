"""Alarms: the CloudWatch alarms per Region (state, reason, metric, condition, actions), and
one alarm with its history and its metric drawn with the threshold line, as the CloudWatch
console's alarm page shows them.

History from DescribeAlarmHistory
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html):
newest first (ScanBy TimestampDescending), 50 a page (MaxRecords is 1 to 100), NextToken
for older items; a composite alarm's history needs AlarmTypes CompositeAlarm ("If you omit
this parameter, only metric alarms are returned"). An alarm name is 1 to 255 characters.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.data import plots, regions, tokens, web
from stratus.local.console.layout import ConsoleError
from stratus.local.console.pages import Page

MAX_ALARMS = 1000  # per Region on the list page
HISTORY = 50  # state history items per page
SYMBOLS = {
    "GreaterThanOrEqualToThreshold": ">=",
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside the band",
    "LessThanLowerThreshold": "< lower band",
    "GreaterThanUpperThreshold": "> upper band",
}


def _regions(request: Request, console: ConsoleContext) -> list[str]:
    try:
        return regions.chosen(console, web.text(request, "region", 40))
    except ValueError as exc:
        raise ConsoleError(400, str(exc)) from None


def action_link(base: str, arn: str) -> str | None:
    """The console page of an alarm action's target (a topic or a function), if any."""
    parts = arn.split(":")
    if len(parts) >= 6 and parts[2] == "sns":
        return f"{base}/topics/{web.segment(parts[5])}"
    if len(parts) >= 7 and parts[2] == "lambda":
        return f"{base}/functions/{web.segment(parts[6])}"
    return None


def _view(alarm: dict[str, Any], region: str, composite: bool = False) -> dict[str, Any]:
    dims = alarm.get("Dimensions") or []
    metric = ""
    if alarm.get("MetricName"):
        metric = f"{alarm.get('Namespace')}/{alarm['MetricName']}"
        if dims:
            metric += " (" + ", ".join(f"{d['Name']}={d['Value']}" for d in dims) + ")"
    elif alarm.get("Metrics"):
        metric = "metric math: " + ", ".join(
            str(m.get("Expression") or m.get("Id")) for m in alarm["Metrics"]
        )
    condition = ""
    if composite:
        condition = str(alarm.get("AlarmRule") or "")
    elif alarm.get("ComparisonOperator"):
        stat = alarm.get("ExtendedStatistic") or alarm.get("Statistic") or ""
        symbol = SYMBOLS.get(alarm["ComparisonOperator"], alarm["ComparisonOperator"])
        condition = (
            f"{stat} {symbol} {alarm.get('Threshold')} for {alarm.get('EvaluationPeriods')} "
            f"x {alarm.get('Period')} s"
        )
        if alarm.get("DatapointsToAlarm"):
            condition += f" ({alarm['DatapointsToAlarm']} of {alarm.get('EvaluationPeriods')})"
    actions = {
        "ALARM": list(alarm.get("AlarmActions") or []),
        "OK": list(alarm.get("OKActions") or []),
        "INSUFFICIENT_DATA": list(alarm.get("InsufficientDataActions") or []),
    }
    return {
        "name": str(alarm["AlarmName"]),
        "arn": str(alarm.get("AlarmArn") or ""),
        "region": region,
        "state": str(alarm.get("StateValue") or ""),
        "reason": str(alarm.get("StateReason") or ""),
        "updated": alarm.get("StateUpdatedTimestamp"),
        "metric": metric,
        "condition": condition,
        "actions": {k: v for k, v in actions.items() if v},
        "enabled": alarm.get("ActionsEnabled", True),
        "description": str(alarm.get("AlarmDescription") or ""),
        "composite": composite,
    }


def _list(console: ConsoleContext, wanted: list[str]) -> tuple[list[dict[str, Any]], bool]:
    found: list[dict[str, Any]] = []
    more = False
    for region in wanted:
        client = console.aws("cloudwatch", region)
        token: str | None = None
        count = 0
        while True:
            params: dict[str, Any] = {
                "MaxRecords": 100,
                "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
            }
            if token:
                params["NextToken"] = token
            answer = client.describe_alarms(**params)
            found += [_view(a, region) for a in answer.get("MetricAlarms") or []]
            found += [_view(a, region, True) for a in answer.get("CompositeAlarms") or []]
            count += 100
            token = answer.get("NextToken")
            if not token:
                break
            if count >= MAX_ALARMS:
                more = True
                break
    order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
    found.sort(key=lambda a: (order.get(a["state"], 3), a["name"]))
    return found, more


async def alarms(request: Request) -> Response:
    console = console_of(request)
    wanted = _regions(request, console)
    found, more = await asyncio.to_thread(_list, console, wanted)
    return web.page(
        request,
        "alarms/index.html",
        title="Alarms",
        active="alarms",
        alarms=found,
        more=more,
        action_link=action_link,
    )


def _find(console: ConsoleContext, name: str, wanted: list[str]) -> dict[str, Any]:
    for region in wanted:
        answer = console.aws("cloudwatch", region).describe_alarms(
            AlarmNames=[name], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        )
        for alarm in answer.get("MetricAlarms") or []:
            return _view(alarm, region)
        for alarm in answer.get("CompositeAlarms") or []:
            return _view(alarm, region, True)
    raise ConsoleError(404, f"Alarm {name} does not exist.")


def _history(console: ConsoleContext, alarm: dict[str, Any], token: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "AlarmName": alarm["name"],
        "MaxRecords": HISTORY,
        "ScanBy": "TimestampDescending",
    }
    if alarm["composite"]:
        params["AlarmTypes"] = ["CompositeAlarm"]
    if token:
        params["NextToken"] = token
    answer: dict[str, Any] = console.aws("cloudwatch", alarm["region"]).describe_alarm_history(
        **params
    )
    return answer


async def alarm(request: Request) -> Response:
    console = console_of(request)
    name = str(request.path_params["name"])
    if not 0 < len(name) <= 255 or any(ord(c) < 32 for c in name):
        raise ConsoleError(404, "No alarm has that name.")
    wanted = _regions(request, console)
    try:
        choice = plots.time_range(
            web.text(request, "range", 8),
            web.text(request, "start", 64),
            web.text(request, "end", 64),
            datetime.now(UTC),
        )
        pager = tokens.Pager.from_query(
            web.text(request, "page", tokens.MAX_TOKEN), request.query_params.get("trail")
        )
        history_token = tokens.opaque(tokens.unseal(pager.current)) or ""
    except plots.PlotError as exc:
        raise ConsoleError(400, f"Bad time range: {exc}.") from None
    except tokens.TokenError as exc:
        raise ConsoleError(400, f"{exc}: open the alarm's page again.") from None
    try:
        found = await asyncio.to_thread(_find, console, name, wanted)
        history = await asyncio.to_thread(_history, console, found, history_token)
    except ClientError as exc:
        raise web.aws_error(exc, f"Alarm {name}") from None
    plot = None
    if not found["composite"] and found["arn"]:
        widget = plots.alarm_widget(found["region"], found["arn"])
        account = console.settings.account_id
        plot = await asyncio.to_thread(plots.draw, widget, account, choice.span)
    base = f"{web.base(request)}/alarms/{web.segment(name)}"
    keep = {
        "region": found["region"],
        "range": choice.name if choice.name != "1h" else "",
        "start": choice.start,
        "end": choice.end,
    }
    following = history.get("NextToken")
    next_link = (
        web.link(base, {**keep, **pager.next(tokens.seal(str(following)))}) if following else None
    )
    return web.page(
        request,
        "alarms/alarm.html",
        title=name,
        active="alarms",
        alarm=found,
        history=history.get("AlarmHistoryItems") or [],
        plot=plot,
        choice=choice,
        ranges=plots.RANGES,
        base_link=base,
        keep=keep,
        next_link=next_link,
        action_link=action_link,
    )


PAGE = Page(
    "alarms",
    "Alarms",
    55,
    lambda console: [
        Route("/alarms", alarms, methods=["GET", "HEAD"]),
        Route("/alarms/{name:path}", alarm, methods=["GET", "HEAD"]),
    ],
)
