"""A dashboard body (the DashboardBody JSON string) parsed into widgets, tolerantly.

Structure from
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html:
`widgets` (each with `type`, optional `x`, `y`, `width` (default 6), `height` (default 6)
and `properties`), optional `start`, `end` and `periodOverride`. A body that is not that
shape is an error of the dashboard; a widget that is not, an error of that widget only: the
page is always drawn. `periodOverride: auto` is read but each graph keeps its own period
locally (widened only past 1,440 points, see `query`): AWS does not document how `auto`
picks one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

WIDGET_TYPES = ("metric", "text", "alarm", "log", "explorer", "custom")


@dataclass
class Widget:
    index: int
    type: str
    properties: dict[str, Any]
    x: int | None = None
    y: int | None = None
    width: int = 6
    height: int = 6
    error: str | None = None  # why the widget cannot be drawn (shown in its place)


@dataclass
class Dashboard:
    widgets: list[Widget] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    period_override: str = "inherit"
    error: str | None = None  # the body as a whole is unusable


def _int(value: Any, default: int | None) -> int | None:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    return int(float(value))


def _widget(index: int, raw: Any) -> Widget:
    if not isinstance(raw, dict):
        return Widget(index, "unknown", {}, error="the widget is not a JSON object")
    kind = raw.get("type")
    properties = raw.get("properties")
    widget = Widget(index, str(kind), properties if isinstance(properties, dict) else {})
    try:
        widget.width = max(1, min(24, _int(raw.get("width"), 6) or 6))
        widget.height = max(1, min(1000, _int(raw.get("height"), 6) or 6))
        widget.x = _int(raw.get("x"), None)
        widget.y = _int(raw.get("y"), None)
    except ValueError as exc:
        widget.error = f"bad position or size: {exc}"
    if (widget.x is None) != (widget.y is None):
        widget.x = widget.y = None  # AWS wants both or neither; place it as if neither
    if kind not in WIDGET_TYPES:
        widget.error = f"unknown widget type {kind!r}"
    elif not isinstance(properties, dict):
        widget.error = "the widget has no properties object"
    return widget


def parse(text: str) -> Dashboard:
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        return Dashboard(error=f"the dashboard body is not JSON: {exc}")
    if not isinstance(data, dict):
        return Dashboard(error="the dashboard body is not a JSON object")
    widgets = data.get("widgets")
    if not isinstance(widgets, list):
        return Dashboard(error="the dashboard body has no widgets array")
    start, end = data.get("start"), data.get("end")
    return Dashboard(
        widgets=[_widget(i, w) for i, w in enumerate(widgets[:500])],
        start=start if isinstance(start, str) else None,
        end=end if isinstance(end, str) else None,
        period_override=str(data.get("periodOverride") or "inherit"),
    )
