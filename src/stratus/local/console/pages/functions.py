"""Functions: every Lambda function the local runtime runs, and per function its versions,
aliases (with routing weights), reserved concurrency, event source mappings, recent
invocations and its log lines, live-tailed.

The configuration and counters come from the running `LambdaRuntime`, the recent
invocations from its ring buffer (`lambda_runtime/recent.py`), the logs from CloudWatch
Logs group `/aws/lambda/{name}` (or the function's LoggingConfig group) through the local
endpoint (`console/logtail.py`). `static/functions.js` polls `/logs?after=<cursor>` and
appends new lines and new invocations; without script the page shows them as they were
when it loaded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.console import logtail
from stratus.local.console.app import console_of
from stratus.local.console.layout import ConsoleError, json_response, render
from stratus.local.console.links import function_link, resource_link, stack_link
from stratus.local.console.pages import Page
from stratus.local.lambda_runtime.function import FunctionConfig
from stratus.local.lambda_runtime.recent import InvocationRecord
from stratus.local.lambda_runtime.runtime import AliasConfig, FunctionStats, LambdaRuntime
from stratus.local.lambda_runtime.service import LambdaService
from stratus.local.provision.model import Deployment

SHOWN_INVOCATIONS = 50  # of the ring's last ones, on the page
MAX_CURSOR = 10**14  # epoch ms far beyond any log line: larger is bad input


@dataclass(frozen=True)
class FunctionRow:
    config: FunctionConfig
    link: str
    stack_link: str | None
    region: str
    invocations: int
    errors: int
    cold_starts: int
    throttles: int
    timeouts: int
    workers: int


@dataclass(frozen=True)
class MappingRow:
    id: str
    source: str
    source_link: str | None
    batch_size: Any
    enabled: bool
    starting_position: str


def region_of(config: FunctionConfig) -> str:
    parts = config.arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def runtime_of(request: Request) -> LambdaRuntime | None:
    try:
        return console_of(request).service(LambdaService).runtime
    except LookupError:
        return None


def totals(stats: dict[str, FunctionStats], name: str) -> FunctionStats:
    """A function's counters summed over $LATEST ('name') and its versions ('name:N')."""
    out = FunctionStats()
    for key, s in stats.items():
        if key == name or key.startswith(f"{name}:"):
            out.invocations += s.invocations
            out.errors += s.errors
            out.cold_starts += s.cold_starts
            out.throttles += s.throttles
            out.timeouts += s.timeouts
            out.workers += s.workers
    return out


def rows(runtime: LambdaRuntime) -> list[FunctionRow]:
    stats = runtime.stats()
    out = []
    for config in sorted(runtime.functions(), key=lambda c: c.name):
        t = totals(stats, config.name)
        out.append(
            FunctionRow(
                config=config,
                link=function_link(config.name),
                stack_link=stack_link(config.stack) if config.stack else None,
                region=region_of(config),
                invocations=t.invocations,
                errors=t.errors,
                cold_starts=t.cold_starts,
                throttles=t.throttles,
                timeouts=t.timeouts,
                workers=t.workers,
            )
        )
    return out


def _source_link(arn: str) -> str | None:
    """The console page of an event source: a queue, a stream, or a table's stream."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    service, region, resource = parts[2], parts[3], parts[5]
    if service == "sqs":
        return resource_link("AWS::SQS::Queue", resource, region)
    if service == "kinesis" and resource.startswith("stream/"):
        return resource_link("AWS::Kinesis::Stream", resource.split("/")[1], region)
    if service == "dynamodb" and resource.startswith("table/"):
        return resource_link("AWS::DynamoDB::Table", resource.split("/")[1], region)
    return None


def mappings(deployment: Deployment | None, config: FunctionConfig) -> list[MappingRow]:
    """The function's AWS::Lambda::EventSourceMapping resources, as the template declares."""
    if deployment is None:
        return []
    found = []
    for res in deployment.resources("AWS::Lambda::EventSourceMapping"):
        target = str(res.properties.get("FunctionName") or "")
        if target.split(":function:", 1)[-1].split(":", 1)[0] != config.name:
            continue
        source = str(res.properties.get("EventSourceArn") or "")
        found.append(
            MappingRow(
                id=res.physical_id,
                source=source,
                source_link=_source_link(source),
                batch_size=res.properties.get("BatchSize", ""),
                enabled=res.properties.get("Enabled", True) not in (False, "false"),
                starting_position=str(res.properties.get("StartingPosition") or ""),
            )
        )
    return sorted(found, key=lambda m: m.source)


def routing(alias: AliasConfig) -> str:
    """'version 2: 90%, version 3: 10%': AdditionalVersionWeights name the other versions'
    shares, the rest goes to the alias's own version
    (https://docs.aws.amazon.com/lambda/latest/dg/lambda-traffic-shifting-using-aliases.html)."""
    if not alias.weights:
        return f"100% to version {alias.version}"
    rest = 1.0 - sum(weight for _, weight in alias.weights)
    parts = [(alias.version, rest), *alias.weights]
    return ", ".join(f"version {version}: {round(weight * 100, 2):g}%" for version, weight in parts)


def clock(epoch_ms: int) -> str:
    """'2026-11-30 22:01:02.345' (UTC)."""
    seconds = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch_ms / 1000))
    return f"{seconds}.{epoch_ms % 1000:03d}"


# Columns of the recent invocations table: header, and the cell's class (the live update
# copies the class from the header).
COLUMNS = (
    ("Ended (UTC)", ""),
    ("Request id", "mono"),
    ("Version / alias", ""),
    ("Duration", "duration"),
    ("Billed", ""),
    ("Start", "start"),
    ("Memory used", ""),
    ("Error", "bad"),
)


def invocation_cells(record: InvocationRecord) -> list[str]:
    """One row of the recent invocations table, as the page and its live update show it."""
    via = record.qualifier if record.qualifier and record.qualifier != record.version else ""
    return [
        clock(record.ended_ms),
        record.request_id,
        f"{record.version} via {via}" if via else record.version,
        f"{record.duration_ms:.2f} ms",
        f"{record.billed_ms} ms",
        "warm" if record.init_ms is None else f"cold, init {record.init_ms:.2f} ms",
        f"{record.memory_used_mb} / {record.memory_size_mb} MB" if record.memory_used_mb else "—",
        record.error_type or "",
    ]


def _epoch_ms(request: Request, key: str) -> int:
    raw = request.query_params.get(key, "0")
    if not raw.isdigit() or len(raw) > 15 or int(raw) > MAX_CURSOR:
        raise ConsoleError(400, f"{key} must be a time in epoch milliseconds.")
    return int(raw)


def _function(request: Request) -> tuple[LambdaRuntime, FunctionConfig]:
    name = str(request.path_params["name"])
    runtime = runtime_of(request)
    config = None
    if runtime is not None and len(name) <= 140:
        config = next((c for c in runtime.functions() if c.name == name), None)
    if runtime is None or config is None:
        raise ConsoleError(404, f"No function named {name[:140]!r} runs in the local cloud.")
    return runtime, config


async def functions_index(request: Request) -> Response:
    runtime = runtime_of(request)
    listed = rows(runtime) if runtime is not None else []
    return render(
        request, "functions/index.html", title="Functions", active="functions", functions=listed
    )


async def function_detail(request: Request) -> Response:
    runtime, config = _function(request)
    console = console_of(request)
    region = region_of(config)
    recent = runtime.recent(config.name)
    # boto3 blocks, and the AWS endpoint it calls is served on this event loop: a thread.
    logs = console.aws("logs", region or None)
    lines = await run_in_threadpool(logtail.latest, logs, config.log_group)
    t = totals(runtime.stats(), config.name)
    values: dict[str, Any] = {
        "config": config,
        "region": region,
        "stack_link": stack_link(config.stack) if config.stack else None,
        "stats": t,
        "versions": runtime.versions(config.name),
        "aliases": runtime.aliases(config.name),
        "mappings": mappings(console.deployment, config),
        "invocations": recent[:SHOWN_INVOCATIONS],
        "invoked_cursor": recent[0].ended_ms if recent else 0,
        "columns": COLUMNS,
        "cells": invocation_cells,
        "kept": len(recent),
        "lines": lines,
        "cursor": logtail.cursor_of(lines),
        "logs_url": f"{function_link(config.name)}/logs",
        "routing": routing,
    }
    return render(request, "functions/detail.html", title=config.name, active="functions", **values)


async def function_logs(request: Request) -> Response:
    """JSON for the live page: log lines since `after` and invocations ended at or after
    `invoked_after` (epoch ms), each with the cursor of the next poll."""
    runtime, config = _function(request)
    after = _epoch_ms(request, "after")
    invoked_after = _epoch_ms(request, "invoked_after")
    recent = [r for r in runtime.recent(config.name) if r.ended_ms >= invoked_after]
    logs = console_of(request).aws("logs", region_of(config) or None)
    lines = await run_in_threadpool(logtail.since, logs, config.log_group, after)
    return json_response(
        {
            "group": config.log_group,
            "events": [line.to_json() for line in lines],
            "cursor": logtail.cursor_of(lines, after),
            "invocations": [
                {"request_id": r.request_id, "cells": invocation_cells(r)}
                for r in recent[:SHOWN_INVOCATIONS]
            ],
            "invoked_cursor": max([invoked_after, *(r.ended_ms for r in recent)]),
        }
    )


def _routes(console: object) -> list[BaseRoute]:
    return [
        Route("/functions", functions_index, methods=["GET", "HEAD"]),
        Route("/functions/{name}", function_detail, methods=["GET", "HEAD"]),
        Route("/functions/{name}/logs", function_logs, methods=["GET"]),
    ]


PAGE = Page("functions", "Functions", 20, _routes)
