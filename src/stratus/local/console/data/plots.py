"""Metric plots for the console: the time range, statistic and period a form chose, checked,
and the plot drawn by the dashboards' own code (`cloudwatch.dashboard`: `specs` reads a
metric widget's properties, `query` aggregates stored samples as GetMetricData does, `svg`
draws the chart), so the console has no second plotter.

Statistics and periods as GetMetricData takes them
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html):
SampleCount, Average, Sum, Minimum, Maximum or a percentile pNN; a period of 1, 5, 10, 30
or a multiple of 60 seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from stratus.local.cloudwatch.dashboard import query, specs, svg, timerange
from stratus.local.cloudwatch.dashboard.source import MotoSource

RANGES = {"15m": "-PT15M", "1h": "-PT1H", "3h": "-PT3H", "1d": "-P1D"}
DEFAULT_RANGE = "1h"
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
PERIODS = (1, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400)
_PERCENTILE = re.compile(r"^p(100|\d{1,2}(\.\d{1,2})?)$")
WIDTH, HEIGHT = 960, 320


class PlotError(ValueError):
    """A range, statistic or period the plot cannot use (a 400 page)."""


@dataclass(frozen=True)
class Choice:
    """The time range a form chose: a named one (`15m`...) or ISO start and end."""

    span: timerange.TimeRange
    name: str  # "15m" | "1h" | "3h" | "1d" | "" for an absolute range
    start: str
    end: str


def time_range(name: str, start: str, end: str, now: datetime) -> Choice:
    """`range=1h`, or `start=` and (optionally) `end=` as ISO 8601 times."""
    if start or end:
        if not start:
            raise PlotError("an end needs a start")
        if start.lstrip().startswith("-"):
            raise PlotError("start and end are ISO 8601 times (or pick a range)")
        try:
            span = timerange.parse(start, end or None, now)
        except timerange.TimeRangeError as exc:
            raise PlotError(str(exc)) from None
        return Choice(span, "", start, end)
    chosen = name or DEFAULT_RANGE
    if chosen not in RANGES:
        raise PlotError(f"the range must be one of {', '.join(RANGES)}")
    return Choice(timerange.parse(RANGES[chosen], None, now), chosen, "", "")


def statistic(text: str) -> str:
    stat = text or "Average"
    if stat in STATISTICS or _PERCENTILE.match(stat):
        return stat
    raise PlotError(
        f"{stat[:40]!r} is not a statistic (Average, Sum, Minimum, Maximum, SampleCount or pNN)"
    )


def period(text: str) -> int:
    if not text:
        return 60
    try:
        value = int(text)
    except ValueError:
        raise PlotError("the period is a whole number of seconds") from None
    if value in (1, 5, 10, 30) or (value > 0 and value % 60 == 0 and value <= 86400 * 7):
        return value
    raise PlotError("the period is 1, 5, 10, 30 or a multiple of 60 seconds (at most 7 days)")


def dimensions(text: str) -> tuple[tuple[str, str], ...]:
    """`Name=Value&Other=Value` (URL-encoded pairs, as the form's options carry them)."""
    from urllib.parse import parse_qsl

    if not text:
        return ()
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, max_num_fields=30)
    except ValueError:
        raise PlotError("the dimensions are Name=Value pairs") from None
    if any(not name for name, _ in pairs):
        raise PlotError("a dimension needs a name")
    return tuple(sorted(pairs))


@dataclass
class Plot:
    svg: Markup  # svg.render escapes every name, label and value it writes
    series: list[query.Series]
    notes: list[str]
    alarm: query.AlarmView | None


def draw(widget: specs.MetricWidget, account: str, span: timerange.TimeRange) -> Plot:
    """A metric widget (made here, or read from a dashboard body) drawn over `span`."""
    data = query.resolve(widget, MotoSource(account), span)
    chart = svg.Chart(
        start=span.start,
        end=span.end,
        lines=[svg.Line(s.label, s.points, s.style.color, s.style.y_axis) for s in data.series],
        annotations=data.annotations,
        width=WIDTH,
        height=HEIGHT,
    )
    return Plot(Markup(svg.render(chart)), data.series, data.notes, data.alarm)


def metric_widget(
    region: str,
    namespace: str,
    name: str,
    dims: tuple[tuple[str, str], ...],
    stat: str,
    seconds: int,
) -> specs.MetricWidget:
    """One metric as a graph widget (made directly: a dashboard row's "." tokens would give
    a dimension value of "." another meaning)."""
    metric = specs.MetricQuery("m1", namespace, name, dims, stat, seconds, region, specs.Style())
    return specs.MetricWidget(
        title=None,
        view="timeSeries",
        stacked=False,
        region=region,
        period=seconds,
        stat=stat,
        queries=[metric],
    )


def alarm_widget(region: str, arn: str) -> specs.MetricWidget:
    """An alarm's metric with its threshold, as a dashboard's alarm graph draws it."""
    return specs.MetricWidget(
        title=None,
        view="timeSeries",
        stacked=False,
        region=region,
        period=specs.DEFAULT_PERIOD,
        stat=specs.DEFAULT_STAT,
        alarm_arns=[arn],
    )
