"""CloudWatch (log ingestion and storage, alarms, dashboards) and X-Ray traces.
https://aws.amazon.com/cloudwatch/pricing/ , https://aws.amazon.com/xray/pricing/ (default
sampling: the first request each second, then 5% of the rest:
https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-sampling).
"""

from __future__ import annotations

import json

from stratus.cost.inventory import refs
from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook
from stratus.cost.services.context import PricingContext

SAMPLING_RATE = 0.05


def traces_recorded(requests: float, seconds: float) -> float:
    """X-Ray's default rule: one request a second (reservoir), then 5% of the rest."""
    reservoir = min(requests, seconds)
    return reservoir + (requests - reservoir) * SAMPLING_RATE


def logs_cost(ingested_gb: float, stored_gb: float, prices: PriceBook) -> float:
    ingest = ingested_gb * float(prices.rate("cloudwatch", "logs_ingest_gb"))
    return ingest + stored_gb * float(prices.rate("cloudwatch", "logs_storage_gb_month"))


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    cw = ctx.prices.service("cloudwatch")
    free = cw.get("free_tier", {}) if ctx.options.free_tier else {}
    alarms = ctx.inv.of_type("AWS::CloudWatch::Alarm")
    if alarms:
        billed = max(len(alarms) - int(free.get("alarms", 0)), 0)
        out.append(
            ctx.line(
                "cloudwatch",
                None,
                "standard alarms",
                len(alarms),
                "alarm-months",
                billed * float(cw["alarm_standard_month"]),
                stack="(stage)",
            )
        )
    boards = ctx.inv.of_type("AWS::CloudWatch::Dashboard")
    if boards:
        billed = max(len(boards) - int(free.get("dashboards", 0)), 0)
        out.append(
            ctx.line(
                "cloudwatch",
                None,
                "dashboards",
                len(boards),
                "dashboard-months",
                billed * float(cw["dashboard_month"]),
                stack="(stage)",
            )
        )
    metrics = custom_metrics(ctx)
    if metrics:
        billed = max(len(metrics) - int(free.get("metrics", 0)), 0)
        out.append(
            ctx.line(
                "cloudwatch",
                None,
                "custom metrics the alarms watch",
                len(metrics),
                "metric-months",
                billed * float(cw["metric_month"]),
                stack="(stage)",
            )
        )
    per_call = ctx.profile.log_bytes_per_invocation / 1e9
    for fn in ctx.inv.of_type("AWS::Lambda::Function"):
        calls = ctx.work.invocations.get(fn.key, 0.0) + ctx.work.edge_invocations.get(fn.key, 0.0)
        if not calls:
            continue
        ingested = calls * per_call
        retention = _retention_days(ctx, fn.stack, fn.logical_id)
        stored = ingested * min(retention, ctx.work.days) / ctx.work.days
        out.append(
            ctx.line(
                "cloudwatch",
                fn,
                "logs ingested + stored",
                ingested,
                "GB",
                logs_cost(ingested, stored, ctx.prices),
            )
        )
    seconds = ctx.hours * 3600
    xray = ctx.prices.service("xray")
    for stage in ctx.inv.of_type("AWS::ApiGateway::Stage"):
        if not stage.props.get("TracingEnabled"):
            continue
        api = next(iter(refs(stage.props.get("RestApiId"))), "")
        requests = ctx.work.api_requests.get(f"{stage.stack}/{api}", 0.0)
        if requests:
            traces = traces_recorded(requests, seconds)
            usd = traces / 1e6 * float(xray["traces_recorded_per_million"])
            out.append(ctx.line("xray", stage, "traces recorded", traces, "traces", usd))
    return out


def custom_metrics(ctx: PricingContext) -> set[str]:
    """Custom metrics (namespaces outside AWS/) that the stage's alarms watch: metrics the
    code publishes (e.g. Powertools' embedded metric format), each name and dimension set
    billed as one metric. Metrics no alarm names are not seen in the templates."""
    found: set[str] = set()
    for alarm in ctx.inv.of_type("AWS::CloudWatch::Alarm"):
        queries = [alarm.props] + [
            q.get("MetricStat", {}).get("Metric", {})
            for q in alarm.props.get("Metrics", [])
            if isinstance(q, dict)
        ]
        for metric in queries:
            namespace = metric.get("Namespace")
            if isinstance(namespace, str) and not namespace.startswith("AWS/"):
                dims = json.dumps(metric.get("Dimensions", []), sort_keys=True, default=str)
                found.add(f"{namespace}|{metric.get('MetricName')}|{dims}")
    return found


def _retention_days(ctx: PricingContext, stack: str, function: str) -> float:
    """The retention of the log group that names the function (else 30 days)."""
    for group in ctx.inv.in_stack(stack, "AWS::Logs::LogGroup"):
        fn = ctx.inv.get(stack, function)
        named = fn is not None and group.logical_id in refs(fn.props.get("LoggingConfig"))
        if named:
            return float(group.props.get("RetentionInDays", 3653))
    return 30.0
