"""Metrics: pick a namespace, a metric and its dimensions (ListMetrics), a statistic, a
period and a time range, all GET form fields, so a plot is a URL; drawn as SVG by the
dashboards' plotter (`data.plots`).

ListMetrics is read page by page (500 metrics a page,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html),
at most MAX_PAGES pages for one choice, so a Region with very many metrics stays fast.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from botocore.exceptions import ClientError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.data import plots, regions, web
from stratus.local.console.layout import ConsoleError
from stratus.local.console.pages import Page

MAX_PAGES = 10


def _metrics(console: ConsoleContext, region: str, **filters: str) -> tuple[list[Any], bool]:
    """ListMetrics' metrics for the filters (Namespace, MetricName), at most MAX_PAGES pages."""
    client = console.aws("cloudwatch", region)
    found: list[Any] = []
    params: dict[str, Any] = {k: v for k, v in filters.items() if v}
    for _ in range(MAX_PAGES):
        answer = client.list_metrics(**params)
        found += answer.get("Metrics") or []
        token = answer.get("NextToken")
        if not token:
            return found, False
        params["NextToken"] = token
    return found, True


def _dims_of(metric: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(d["Name"]), str(d["Value"])) for d in metric.get("Dimensions") or []))


def _choices(console: ConsoleContext, region: str, namespace: str, name: str) -> dict[str, Any]:
    """What the form offers: namespaces, the namespace's metrics, the metric's dimensions."""
    listed, more = _metrics(console, region)
    out: dict[str, Any] = {"namespaces": sorted({str(m["Namespace"]) for m in listed})}
    out["metrics"], out["combos"] = [], []
    if namespace:
        listed, partial = _metrics(console, region, Namespace=namespace)
        more = more or partial
        out["metrics"] = sorted({str(m["MetricName"]) for m in listed})
    if namespace and name:
        listed, partial = _metrics(console, region, Namespace=namespace, MetricName=name)
        more = more or partial
        out["combos"] = sorted({_dims_of(m) for m in listed})
    out["more"] = more
    return out


def _encoded(dims: tuple[tuple[str, str], ...]) -> str:
    return urlencode(dims)


async def metrics(request: Request) -> Response:
    console = console_of(request)
    known = regions.regions(console)
    region = web.text(request, "region", 40) or known[0]
    if region not in known:
        raise ConsoleError(400, f"The deployment has no Region {region[:40]!r}.")
    namespace = web.text(request, "namespace", 255)
    name = web.text(request, "metric", 255)
    try:
        dims = plots.dimensions(web.text(request, "dims", 4096))
        stat = plots.statistic(web.text(request, "stat", 16))
        period = plots.period(web.text(request, "period", 8))
        choice = plots.time_range(
            web.text(request, "range", 8),
            web.text(request, "start", 64),
            web.text(request, "end", 64),
            datetime.now(UTC),
        )
    except plots.PlotError as exc:
        raise ConsoleError(400, f"Bad plot: {exc}.") from None
    try:
        offered = await asyncio.to_thread(_choices, console, region, namespace, name)
    except ClientError as exc:
        raise web.aws_error(exc, "The metric") from None
    chosen = "dims" in request.query_params or len(offered["combos"]) == 1
    if "dims" not in request.query_params and len(offered["combos"]) == 1:
        dims = offered["combos"][0]
    plot = None
    if namespace and name and chosen:
        widget = plots.metric_widget(region, namespace, name, dims, stat, period)
        account = console.settings.account_id
        plot = await asyncio.to_thread(plots.draw, widget, account, choice.span)
    base = f"{web.base(request)}/metrics"
    here = {
        "region": region,
        "namespace": namespace,
        "metric": name,
        "stat": stat,
        "period": period,
        "range": choice.name,
        "start": choice.start,
        "end": choice.end,
    }

    def combo_link(combo: tuple[tuple[str, str], ...]) -> str:
        url = web.link(base, here)  # `dims=` stays even when empty: the dimensionless series
        return f"{url}&dims={quote(_encoded(combo), safe='')}"

    return web.page(
        request,
        "metrics/index.html",
        title="Metrics",
        active="metrics",
        regions=known,
        region=region,
        namespace=namespace,
        metric=name,
        dims=_encoded(dims),
        dims_shown=dims,
        stat=stat,
        period=period,
        choice=choice,
        offered=offered,
        plot=plot,
        chosen=chosen,
        statistics=[*plots.STATISTICS, "p50", "p90", "p99"],
        periods=plots.PERIODS,
        ranges=plots.RANGES,
        combo_link=combo_link,
        encoded=_encoded,
    )


PAGE = Page(
    "metrics",
    "Metrics",
    56,
    lambda console: [Route("/metrics", metrics, methods=["GET", "HEAD"])],
)
