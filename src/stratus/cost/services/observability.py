"""CloudWatch (log ingestion and storage, alarms, dashboards) and X-Ray traces.
https://aws.amazon.com/cloudwatch/pricing/ , https://aws.amazon.com/xray/pricing/ (default
sampling: the first request each second, then 5% of the rest:
https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-sampling).
"""

from __future__ import annotations

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
        api = next(iter(_refs(stage.props.get("RestApiId"))), "")
        requests = ctx.work.api_requests.get(f"{stage.stack}/{api}", 0.0)
        if requests:
            traces = traces_recorded(requests, seconds)
            usd = traces / 1e6 * float(xray["traces_recorded_per_million"])
            out.append(ctx.line("xray", stage, "traces recorded", traces, "traces", usd))
    return out


def _retention_days(ctx: PricingContext, stack: str, function: str) -> float:
    """The retention of the log group that names the function (else 30 days)."""
    for group in ctx.inv.in_stack(stack, "AWS::Logs::LogGroup"):
        fn = ctx.inv.get(stack, function)
        named = fn is not None and group.logical_id in _refs(fn.props.get("LoggingConfig"))
        if named:
            return float(group.props.get("RetentionInDays", 3653))
    return 30.0


def _refs(value: object) -> set[str]:
    from stratus.cost.inventory import refs

    return refs(value)
