"""What each widget of a dashboard shows: its grid cell and its resolved data.

Pure given a `query.Source`: the HTML page (`render`) and the JSON answer (`to_json`) are
both drawn from this, so they always agree. Alarm status widgets follow
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
("Properties of an Alarm Status Widget Object"): `alarms` by ARN, filtered by `states`,
sorted by `sortBy` (default: by name; `stateUpdatedTimestamp`: ALARM, INSUFFICIENT_DATA,
OK, newest change first; `timestamp`: newest change first).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stratus.local.cloudwatch.dashboard import layout, query, specs, svg
from stratus.local.cloudwatch.dashboard.body import Dashboard, Widget
from stratus.local.cloudwatch.dashboard.timerange import TimeRange

log = logging.getLogger("stratus.cloudwatch")
_STATE_ORDER = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}


@dataclass
class AlarmRow:
    arn: str
    alarm: query.AlarmView | None  # None: no such alarm


@dataclass
class WidgetView:
    widget: Widget
    cell: layout.Cell
    metric: specs.MetricWidget | None = None
    data: query.WidgetData | None = None
    alarms: list[AlarmRow] = field(default_factory=list)
    error: str | None = None

    @property
    def title(self) -> str | None:
        if self.metric is not None:
            if self.metric.title is None and self.data and self.data.alarm:
                return self.data.alarm.name
            return self.metric.title
        title = self.widget.properties.get("title")
        return str(title) if title is not None else None


def _epoch(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0


def alarm_rows(properties: dict[str, Any], source: query.Source) -> list[AlarmRow]:
    arns = properties.get("alarms")
    if not isinstance(arns, list) or not arns:
        raise specs.SpecError("an alarm status widget needs an alarms array of ARNs")
    rows = [AlarmRow(str(arn), source.alarm(str(arn))) for arn in arns]
    states = properties.get("states")
    if isinstance(states, list) and states:
        wanted = {str(s) for s in states}
        rows = [r for r in rows if r.alarm is not None and r.alarm.state in wanted]
    order = properties.get("sortBy") or "default"

    def name(row: AlarmRow) -> str:
        return row.alarm.name if row.alarm else row.arn

    if order == "stateUpdatedTimestamp":
        rows.sort(key=lambda r: -_epoch(r.alarm.updated) if r.alarm else 0.0)
        rows.sort(key=lambda r: _STATE_ORDER.get(r.alarm.state, 3) if r.alarm else 4)
    elif order == "timestamp":
        rows.sort(key=lambda r: -_epoch(r.alarm.updated) if r.alarm else 0.0)
    else:
        rows.sort(key=name)
    return rows


def build(
    dashboard: Dashboard, source: query.Source, span: TimeRange, default_region: str
) -> list[WidgetView]:
    cells = layout.place(dashboard.widgets)
    views = []
    for widget, cell in zip(dashboard.widgets, cells, strict=True):
        view = WidgetView(widget, cell, error=widget.error)
        if view.error is None:
            try:
                if widget.type == "metric":
                    view.metric = specs.parse(widget.properties, default_region)
                    view.data = query.resolve(view.metric, source, span)
                elif widget.type == "alarm":
                    view.alarms = alarm_rows(widget.properties, source)
                elif widget.type == "text":
                    if not isinstance(widget.properties.get("markdown"), str):
                        raise specs.SpecError("a text widget needs a markdown string")
                else:
                    view.error = f"{widget.type} widgets are not drawn locally"
            except (specs.SpecError, ValueError, TypeError, KeyError) as exc:
                view.error = f"cannot draw this widget: {exc}"
            except Exception:  # one widget never takes the page down with it
                log.exception("dashboard widget %d could not be resolved", widget.index)
                view.error = "this widget could not be drawn locally (see the cloud's log)"
        views.append(view)
    return views


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _alarm_json(alarm: query.AlarmView | None, arn: str) -> dict[str, Any]:
    if alarm is None:
        return {"arn": arn, "found": False}
    return {
        "arn": alarm.arn,
        "found": True,
        "name": alarm.name,
        "state": alarm.state,
        "reason": alarm.reason,
        "updated": _iso(alarm.updated),
    }


def to_json(
    name: str, dashboard: Dashboard, views: list[WidgetView], span: TimeRange
) -> dict[str, Any]:
    """The resolved dashboard: each widget's cell and series (the page's data, as JSON)."""
    widgets = []
    for view in views:
        item: dict[str, Any] = {
            "index": view.widget.index,
            "type": view.widget.type,
            "x": view.cell.x,
            "y": view.cell.y,
            "width": view.cell.width,
            "height": view.cell.height,
            "title": view.title,
            "error": view.error,
        }
        if view.metric is not None and view.data is not None:
            item["view"] = view.metric.view
            item["stacked"] = view.metric.stacked
            item["notes"] = view.data.notes
            item["series"] = [
                {
                    "id": s.id,
                    "label": s.label,
                    "color": svg.color_of(svg.Line(s.label, [], s.style.color), index),
                    "yAxis": s.style.y_axis,
                    "period": s.period,
                    "stat": s.stat,
                    "timestamps": [_iso(t) for t, _ in s.points],
                    "values": [v for _, v in s.points],
                }
                for index, s in enumerate(view.data.series)
            ]
            item["annotations"] = [
                {"value": a.value, "label": a.label, "yAxis": a.y_axis}
                for a in view.data.annotations
            ]
            if view.data.alarm is not None:
                item["alarm"] = _alarm_json(view.data.alarm, view.data.alarm.arn)
        if view.widget.type == "alarm":
            item["alarms"] = [_alarm_json(row.alarm, row.arn) for row in view.alarms]
        if view.widget.type == "text":
            item["markdown"] = view.widget.properties.get("markdown")
        widgets.append(item)
    return {
        "name": name,
        "start": _iso(span.start),
        "end": _iso(span.end),
        "error": dashboard.error,
        "widgets": widgets,
    }
