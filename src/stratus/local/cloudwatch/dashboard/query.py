"""A metric widget's series from stored data points, with GetMetricData's semantics.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html:
data points are aggregated per period (the statistic of the samples whose timestamp falls
in it), a period without samples has no point, dimensions match exactly, and period
boundaries fall on whole multiples of the period. Statistics are the alarm evaluator's
(`alarms.statistic`: SampleCount, Sum, Average, Minimum, Maximum, pNN), over the samples a
`Source` gives (`source.MotoSource` reads them as the evaluator does). Expressions are
`expressions.Evaluator`'s. A graph has at most MAX_POINTS points per series (the most
GetMetricStatistics returns per call); a period too short for the range is widened, as the
console does. Labels: the row's, with dynamic labels (`${PROP('Dim.X')}`, `${LAST}`...,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html),
else the metric name, with its dimension values when two series would share a name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from stratus.local.cloudwatch import alarms
from stratus.local.cloudwatch.dashboard import expressions, labels
from stratus.local.cloudwatch.dashboard.specs import (
    Annotation,
    ExpressionQuery,
    MetricQuery,
    MetricWidget,
    Style,
)
from stratus.local.cloudwatch.dashboard.timerange import TimeRange

MAX_POINTS = 1440
ALARM_COLOR = "#d62728"
_BASIC = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")


@dataclass(frozen=True)
class AlarmView:
    """What a dashboard shows of an alarm."""

    arn: str
    name: str
    state: str
    reason: str
    updated: datetime | None
    namespace: str | None = None
    metric: str | None = None
    dimensions: tuple[tuple[str, str], ...] = ()
    stat: str | None = None
    period: int | None = None
    threshold: float | None = None
    comparison: str | None = None


class Source(Protocol):
    def samples(
        self,
        region: str,
        namespace: str,
        name: str,
        dimensions: tuple[tuple[str, str], ...],
        unit: str | None,
    ) -> list[alarms.Sample]: ...

    def alarm(self, arn: str) -> AlarmView | None: ...


@dataclass
class Series:
    id: str
    label: str
    points: list[tuple[datetime, float]]
    style: Style
    period: int
    stat: str | None = None


@dataclass
class WidgetData:
    series: list[Series] = field(default_factory=list)  # the visible ones, in row order
    notes: list[str] = field(default_factory=list)  # what could not be drawn, and why
    annotations: list[Annotation] = field(default_factory=list)
    alarm: AlarmView | None = None


def grid(period: int, span: TimeRange, aligned: bool = True) -> list[datetime]:
    """Period starts covering the range: on multiples of the period (or from the start)."""
    begin = span.start.timestamp()
    if aligned:
        begin = math.floor(begin / period) * period
    end = span.end.timestamp()
    out = []
    moment = begin
    while moment < end:
        out.append(datetime.fromtimestamp(moment, UTC))
        moment += period
    return out


def aggregate(
    samples: Sequence[alarms.Sample], stat: str, starts: Sequence[datetime], period: int
) -> list[tuple[datetime, float]]:
    """One point per period that has samples: (period start, statistic); a statistic
    that is not finite is no point (nothing could draw it)."""
    if not starts:
        return []
    first = starts[0].timestamp()
    last = len(starts)
    buckets: dict[int, list[alarms.Sample]] = {}
    for sample in samples:
        index = int((sample.timestamp.timestamp() - first) // period)
        if 0 <= index < last:
            buckets.setdefault(index, []).append(sample)
    out = []
    for index in sorted(buckets):
        value = alarms.statistic(buckets[index], stat)
        if value is not None and math.isfinite(value):
            out.append((starts[index], float(value)))
    return out


def effective_period(period: int, span: TimeRange) -> int:
    """The period, widened (whole minutes) when the range would need more than MAX_POINTS."""
    if span.seconds / period <= MAX_POINTS:
        return period
    return math.ceil(span.seconds / MAX_POINTS / 60) * 60


def _check_stat(stat: str) -> None:
    if stat in _BASIC:
        return
    if stat.startswith("p"):
        try:
            if 0 <= float(stat[1:]) <= 100:
                return
        except ValueError:
            pass
    raise expressions.Unsupported(f"statistic {stat!r} is not computed locally")


def resolve(widget: MetricWidget, source: Source, span: TimeRange) -> WidgetData:
    """The widget's visible series in row order, with notes for what was not drawn."""
    data = WidgetData(notes=list(widget.errors), annotations=list(widget.annotations))
    queries: list[MetricQuery | ExpressionQuery] = list(widget.queries)
    if widget.alarm_arns and not queries:
        queries = list(_alarm_queries(widget, source, data))
    metrics: dict[str, Series] = {}
    for query in queries:
        if not isinstance(query, MetricQuery):
            continue
        try:
            _check_stat(query.stat)
        except expressions.Unsupported as exc:
            data.notes.append(f"{query.id}: {exc}")
            continue
        period, starts = _periods(widget, query.period, span)
        samples = source.samples(
            query.region, query.namespace, query.name, query.dimensions, query.unit
        )
        points = aggregate(samples, query.stat, starts, period)
        metrics[query.id] = Series(query.id, "", points, query.style, period, query.stat)
    shown = _expressions(queries, metrics, span, widget, data)
    for query in queries:
        if isinstance(query, MetricQuery) and query.style.visible and query.id in metrics:
            data.series.append(metrics[query.id])
        elif isinstance(query, ExpressionQuery) and query.style.visible:
            data.series.extend(shown.get(query.id, []))
    data.series = _labelled(data.series, queries)
    return data


def _periods(widget: MetricWidget, period: int, span: TimeRange) -> tuple[int, list[datetime]]:
    if widget.period_to_range:  # one point for the whole range
        whole = max(math.ceil(span.seconds), 1)
        return whole, grid(whole, span, aligned=False)
    period = effective_period(period, span)
    return period, grid(period, span)


def _alarm_queries(widget: MetricWidget, source: Source, data: WidgetData) -> list[MetricQuery]:
    arn = widget.alarm_arns[0]
    found = source.alarm(arn)
    if found is None:
        data.notes.append(f"alarm {arn} was not found")
        return []
    data.alarm = found
    if not (found.namespace and found.metric):
        data.notes.append(f"alarm {found.name} watches no single metric: not drawn locally")
        return []
    if found.threshold is not None:
        fill = "above" if (found.comparison or "").startswith("Greater") else "below"
        data.annotations.append(Annotation(found.threshold, found.name, ALARM_COLOR, fill=fill))
    region = arn.split(":")[3] if arn.count(":") >= 5 else widget.region
    return [
        MetricQuery(
            id="m1",
            namespace=found.namespace,
            name=found.metric,
            dimensions=found.dimensions,
            stat=found.stat or "Average",
            period=found.period or widget.period,
            region=region or widget.region,
            style=Style(),
        )
    ]


def _expressions(
    queries: Sequence[MetricQuery | ExpressionQuery],
    metrics: dict[str, Series],
    span: TimeRange,
    widget: MetricWidget,
    data: WidgetData,
) -> dict[str, list[Series]]:
    """Each expression row's series (one, or one per member of an array result)."""
    by_id = {q.id: q for q in queries if isinstance(q, ExpressionQuery)}
    labels = {q.id: q.style.label or q.name for q in queries if isinstance(q, MetricQuery)}
    series = {k: dict(s.points) for k, s in metrics.items()}
    values: dict[str, expressions.Value] = {}
    active: set[str] = set()

    def value_of(expr_id: str) -> expressions.Value:
        if expr_id in values:
            return values[expr_id]
        if expr_id not in by_id:
            raise expressions.Unsupported(f"unknown id {expr_id!r}")
        if expr_id in active:
            raise expressions.Unsupported(f"{expr_id} refers to itself")
        active.add(expr_id)
        try:
            starts = _periods(widget, by_id[expr_id].period, span)[1]
            evaluator = expressions.Evaluator(series, labels, starts, value_of)
            values[expr_id] = evaluator.evaluate(by_id[expr_id].expression)
        finally:
            active.discard(expr_id)
        return values[expr_id]

    shown: dict[str, list[Series]] = {}
    for query in by_id.values():
        try:
            value = value_of(query.id)
        except expressions.Unsupported as exc:
            data.notes.append(f"{query.id} ({query.expression}): not supported locally: {exc}")
            continue
        period, starts = _periods(widget, query.period, span)
        if isinstance(value, float):
            value = {t: value for t in starts}
        if isinstance(value, dict):
            shown[query.id] = [Series(query.id, "", sorted(value.items()), query.style, period)]
            continue
        label = query.style.label or query.id
        shown[query.id] = [
            Series(query.id, "", sorted(member.items()),
                   Style(f"{label} {name}", None, query.style.y_axis, True), period)
            for name, member in value
        ]  # fmt: skip
    return shown


def _labelled(
    series: list[Series], queries: Sequence[MetricQuery | ExpressionQuery]
) -> list[Series]:
    by_id = {q.id: q for q in queries}
    named = labels.name(
        [
            labels.Entry(
                s.style.label,
                q if isinstance(q := by_id.get(s.id), MetricQuery) else None,
                s.id,
                [v for _, v in s.points],
                s.period,
            )
            for s in series
        ]
    )
    for item, label in zip(series, named, strict=True):
        item.label = label
    return series
