"""A metric widget's properties made explicit: one query per row of its `metrics` array.

Row format from
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
("Metric Widget: Format for Each Metric in the Array"): `[Namespace, MetricName,
DimensionName, DimensionValue, ..., {rendering properties}]`, where `"."` repeats the
token at the same place in the previous metric row (and `"..."`, which the console writes,
repeats the leading tokens of the previous row); or `[{"expression": ..., "id": ...}]`.
Defaults: period 300, stat Average, the widget's region; ids `m1`, `m2`... and `e1`...
where the row has none, as the console names them. A bad row is an error of that row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_PERIOD = 300
DEFAULT_STAT = "Average"


@dataclass
class Style:
    label: str | None = None
    color: str | None = None
    y_axis: str = "left"
    visible: bool = True


@dataclass
class MetricQuery:
    id: str
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period: int
    region: str
    style: Style
    unit: str | None = None


@dataclass
class ExpressionQuery:
    id: str
    expression: str
    period: int
    region: str
    style: Style


Query = MetricQuery | ExpressionQuery


@dataclass
class Annotation:
    value: float
    label: str = ""
    color: str | None = None
    fill: str = "none"  # above | below | none
    y_axis: str = "left"


@dataclass
class AxisSpec:
    min: float | None = None
    max: float | None = None
    label: str | None = None
    show_units: bool = True


@dataclass
class MetricWidget:
    title: str | None
    view: str
    stacked: bool
    region: str
    period: int
    stat: str
    queries: list[Query] = field(default_factory=list)
    alarm_arns: list[str] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    axes: dict[str, AxisSpec] = field(default_factory=dict)
    legend: str = "bottom"
    timezone: str = "+0000"
    period_to_range: bool = False
    full_precision: bool = False
    sparkline: bool = False
    errors: list[str] = field(default_factory=list)  # rows that could not be read


class SpecError(ValueError):
    """A property or row the local dashboard cannot read."""


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SpecError(f"{what} is not a number: {value!r}")
    try:
        return float(value)
    except ValueError:
        raise SpecError(f"{what} is not a number: {value!r}") from None


def _period(value: Any, default: int) -> int:
    if value is None:
        return default
    period = int(_number(value, "period"))
    if period <= 0:
        raise SpecError(f"period must be positive: {period}")
    return period


def _style(props: dict[str, Any]) -> Style:
    label = props.get("label")
    color = props.get("color")
    return Style(
        label=str(label) if label is not None else None,
        color=str(color) if isinstance(color, str) else None,
        y_axis="right" if props.get("yAxis") == "right" else "left",
        visible=props.get("visible", True) is not False,
    )


def _axis(raw: Any) -> AxisSpec:
    if not isinstance(raw, dict):
        return AxisSpec()
    low, high = raw.get("min"), raw.get("max")
    return AxisSpec(
        min=_number(low, "yAxis min") if low is not None else None,
        max=_number(high, "yAxis max") if high is not None else None,
        label=str(raw["label"]) if raw.get("label") is not None else None,
        show_units=raw.get("showUnits", True) is not False,
    )


def _annotations(raw: Any) -> list[Annotation]:
    out: list[Annotation] = []
    for item in raw if isinstance(raw, list) else []:
        band = item if isinstance(item, list) else [item]
        first = band[0] if band and isinstance(band[0], dict) else {}
        for part in band:
            if not isinstance(part, dict) or part.get("visible") is False or "value" not in part:
                continue
            out.append(
                Annotation(
                    value=_number(part["value"], "annotation value"),
                    label=str(part.get("label") or ""),
                    color=str(first.get("color")) if first.get("color") else None,
                    fill=str(part.get("fill") or "none") if len(band) == 1 else "none",
                    y_axis="right" if first.get("yAxis") == "right" else "left",
                )
            )
    return out


def _tokens(row: list[Any], previous: list[str] | None) -> tuple[list[str], dict[str, Any]]:
    props: dict[str, Any] = {}
    items = list(row)
    if items and isinstance(items[-1], dict):
        props = items.pop()
    if any(not isinstance(t, str) for t in items):
        raise SpecError(f"a metric row holds something other than strings: {row!r}")
    tokens: list[str] = [str(t) for t in items]
    if tokens and tokens[0] == "...":
        if previous is None:
            raise SpecError('"..." in the first metric row')
        rest = tokens[1:]
        tokens = previous[: max(len(previous) - len(rest), 0)] + rest
    out: list[str] = []
    for index, token in enumerate(tokens):
        if token == ".":
            if previous is None or index >= len(previous):
                raise SpecError(f'"." with nothing to repeat in {row!r}')
            token = previous[index]
        out.append(token)
    if len(out) < 2 or len(out) % 2:
        raise SpecError(f"not [Namespace, MetricName, (DimensionName, DimensionValue)...]: {row!r}")
    return out, props


def parse(properties: dict[str, Any], default_region: str) -> MetricWidget:
    """The widget's queries and rendering settings; bad rows are listed in `errors`."""
    region = str(properties.get("region") or default_region)
    try:
        period = _period(properties.get("period"), DEFAULT_PERIOD)
    except SpecError as exc:
        period = DEFAULT_PERIOD
        bad_period: str | None = str(exc)
    else:
        bad_period = None
    legend = properties.get("legend")
    raw_axis = properties.get("yAxis")
    y_axis: dict[str, Any] = raw_axis if isinstance(raw_axis, dict) else {}
    annotations = properties.get("annotations")
    annotations = annotations if isinstance(annotations, dict) else {}
    alarms = annotations.get("alarms")
    widget = MetricWidget(
        title=str(properties["title"]) if properties.get("title") is not None else None,
        view=str(properties.get("view") or "timeSeries"),
        stacked=properties.get("stacked") is True,
        region=region,
        period=period,
        stat=str(properties.get("stat") or DEFAULT_STAT),
        alarm_arns=[str(a) for a in alarms] if isinstance(alarms, list) else [],
        legend=str(legend.get("position") or "bottom") if isinstance(legend, dict) else "bottom",
        timezone=str(properties.get("timezone") or "+0000"),
        period_to_range=properties.get("setPeriodToTimeRange") is True,
        full_precision=properties.get("singleValueFullPrecision") is True,
        sparkline=properties.get("sparkline") is True,
    )
    if bad_period:
        widget.errors.append(bad_period)
    try:
        widget.axes = {side: _axis(y_axis.get(side)) for side in ("left", "right")}
        widget.annotations = _annotations(annotations.get("horizontal"))
    except SpecError as exc:
        widget.errors.append(str(exc))
    rows = properties.get("metrics")
    if rows is not None and not isinstance(rows, list):
        widget.errors.append("metrics is not an array")
        rows = []
    if rows and all(isinstance(r, str) for r in rows):
        rows = [rows]  # a single row written without its outer array
    _queries(widget, rows or [])
    return widget


def _queries(widget: MetricWidget, rows: list[Any]) -> None:
    taken = {
        str(r[-1]["id"])
        for r in rows
        if isinstance(r, list) and r and isinstance(r[-1], dict) and r[-1].get("id")
    }
    counters = {"m": 0, "e": 0}

    def next_id(prefix: str) -> str:
        while True:
            counters[prefix] += 1
            candidate = f"{prefix}{counters[prefix]}"
            if candidate not in taken:
                taken.add(candidate)
                return candidate

    previous: list[str] | None = None
    for row in rows:
        try:
            if not isinstance(row, list) or not row:
                raise SpecError(f"a metric row is not a non-empty array: {row!r}")
            if isinstance(row[0], dict) and "expression" in row[0]:
                props = row[0]
                period = _period(props.get("period"), widget.period)
                widget.queries.append(
                    ExpressionQuery(
                        id=str(props.get("id") or next_id("e")),
                        expression=str(props["expression"]),
                        period=period,
                        region=str(props.get("region") or widget.region),
                        style=_style(props),
                    )
                )
                continue
            tokens, props = _tokens(row, previous)
            previous = tokens
            dims = tuple(zip(tokens[2::2], tokens[3::2], strict=True))
            period = _period(props.get("period"), widget.period)
            widget.queries.append(
                MetricQuery(
                    id=str(props.get("id") or next_id("m")),
                    namespace=tokens[0],
                    name=tokens[1],
                    dimensions=dims,
                    stat=str(props.get("stat") or widget.stat),
                    period=period,
                    region=str(props.get("region") or widget.region),
                    style=_style(props),
                    unit=str(props["unit"]) if props.get("unit") else None,
                )
            )
        except SpecError as exc:
            widget.errors.append(str(exc))
