"""A dashboard as one HTML page: the widgets on CloudWatch's 24-column grid, metric widgets
as SVG graphs or numbers, text widgets as sanitised Markdown, alarm widgets as state tiles.

Pure (views in, HTML out) and self-contained: inline SVG and CSS, no script, no request to
anywhere, every name, label and message escaped. Number widgets (`view: singleValue`) show
each series' most recent value, optionally with a sparkline; views the local page does not
draw (gauge, bar, pie, table) show their numbers with a note, as do other widget types.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from urllib.parse import quote, urlencode

from stratus.local.cloudwatch.dashboard import markdown, svg
from stratus.local.cloudwatch.dashboard.body import Dashboard
from stratus.local.cloudwatch.dashboard.layout import rows
from stratus.local.cloudwatch.dashboard.numbers import full, short
from stratus.local.cloudwatch.dashboard.timerange import TimeRange
from stratus.local.cloudwatch.dashboard.view import WidgetView

log = logging.getLogger("stratus.cloudwatch")

COLUMN_PX = 56  # nominal size of one grid unit, for the SVG's own coordinates
ROW_PX = 40
TITLE_PX = 30
RANGES = ("-PT1H", "-PT3H", "-PT12H", "-P1D", "-P3D", "-P1W")
_STATE_COLORS = {"ALARM": "#d13212", "OK": "#1d8102", "INSUFFICIENT_DATA": "#687078"}
PAGE_CSS = (
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f2f3f3;color:#16191f}"
    "header{padding:.6rem 1rem;background:#232f3e;color:#fff;display:flex;gap:1rem;"
    "align-items:baseline;flex-wrap:wrap}header h1{font-size:1.2rem;margin:0}"
    "header a{color:#fff}nav a{margin-right:.5rem}nav a.on{font-weight:bold}"
    "table.list{border-collapse:collapse;margin:1rem;background:#fff}"
    "table.list td,table.list th{border-bottom:1px solid #ddd;padding:.4rem .8rem;"
    "text-align:left}"
)
# The widget grid's own rules: what a page that embeds `grid()` (the console) loads.
GRID_CSS = (
    ".grid{display:grid;grid-template-columns:repeat(24,minmax(0,1fr));"
    f"grid-auto-rows:{ROW_PX}px;gap:8px;padding:8px}}"
    ".widget{background:#fff;border:1px solid #d5dbdb;border-radius:2px;overflow:hidden;"
    "display:flex;flex-direction:column;min-width:0}"
    ".widget h2{flex:none;font-size:14px;margin:0;padding:6px 10px;white-space:nowrap;"
    "overflow:hidden;text-overflow:ellipsis}.widget .body{flex:1;min-height:0;padding:0 6px}"
    ".widget.text{padding:0 10px;overflow:auto}.widget.text h1{font-size:1.3rem;margin:.3rem 0}"
    ".widget.text h2{font-size:1.1rem}.widget.text h3{font-size:1rem}"
    ".widget.text{padding:0 10px}.widget.text.transparent{background:none;border:none}"
    ".numbers{display:flex;flex-wrap:wrap;gap:1rem;padding:4px}.number .value{font-size:2rem}"
    ".number .label{color:#545b64}.sparkline{height:28px;width:120px;display:block}"
    ".notes,.error{color:#8d6605;font-size:12px;margin:4px 10px}.error{color:#d13212}"
    ".alarms{display:flex;flex-wrap:wrap;align-content:flex-start;gap:6px;padding:4px 10px;"
    "list-style:none;margin:0;flex:1;min-height:0;overflow:auto;font-size:12px}"
    ".alarms li{border-left:4px solid;padding:2px 8px;background:#fafafa;word-break:break-all}"
    ".alarms .state{font-weight:bold;font-size:12px}"
)
CSS = PAGE_CSS + GRID_CSS


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>{body}</body></html>"
    )


def index(base: str, names: Sequence[tuple[str, str]]) -> str:
    """The list of dashboards: (name, region) pairs, each linking to its page."""
    rows_html = "".join(
        f'<tr><td><a href="{_e(base)}/{_e(quote(name, safe=""))}">{_e(name)}</a></td>'
        f"<td>{_e(region)}</td></tr>"
        for name, region in names
    )
    empty = (
        "" if names else "<p>No dashboards yet (AWS::CloudWatch::Dashboard or PutDashboard).</p>"
    )
    return page(
        "CloudWatch dashboards",
        "<header><h1>CloudWatch dashboards</h1>"
        f'<a href="{_e(base)}?format=json">JSON</a></header>{empty}'
        '<table class="list"><thead><tr><th>Name</th><th>Region</th></tr></thead>'
        f"<tbody>{rows_html}</tbody></table>",
    )


def not_found(base: str, name: str) -> str:
    return page(
        "Dashboard not found",
        f'<header><h1>Dashboard not found</h1></header><p style="margin:1rem">No dashboard '
        f'named <code>{_e(name)}</code>. <a href="{_e(base)}">All dashboards</a></p>',
    )


def bad_request(message: str) -> str:
    return page(
        "Bad request", f'<header><h1>Bad request</h1></header><p class="error">{_e(message)}</p>'
    )


def dashboard(
    base: str,
    name: str,
    board: Dashboard,
    views: Sequence[WidgetView],
    span: TimeRange,
    chosen: str | None,
    notice: str | None = None,
) -> str:
    link = f"{base}/{quote(name, safe='')}"
    ranges = "".join(
        f'<a class="{"on" if r == chosen else ""}" href="{_e(link)}?{_e(urlencode({"start": r}))}">'
        f"{_e(r.removeprefix('-').removeprefix('P').removeprefix('T').lower())}</a>"
        for r in RANGES
    )
    shown = f"{span.start:%Y-%m-%d %H:%M} to {span.end:%Y-%m-%d %H:%M} UTC"
    head = (
        f"<header><h1>{_e(name)}</h1><nav>{ranges}</nav><span>{_e(shown)}</span>"
        f'<a href="{_e(link)}?format=json">JSON</a><a href="{_e(base)}">All dashboards</a>'
        "</header>"
    )
    if notice:
        head += f'<p class="notes">{_e(notice)}</p>'
    return page(name, head + grid(board, views, span, tag="main"))


def grid(board: Dashboard, views: Sequence[WidgetView], span: TimeRange, tag: str = "div") -> str:
    """The widgets on the 24-column grid as one element (styled by GRID_CSS), for this page
    and for pages with a head of their own (the local console's)."""
    if board.error:
        return f'<p class="error">{_e(board.error)}</p>'
    height = rows([v.cell for v in views])
    cells = "".join(_guarded(view, span) for view in views)
    rows_css = f"grid-template-rows:repeat({height},{ROW_PX}px)"
    return f'<{tag} class="grid" style="{rows_css}">{cells}</{tag}>'


def _guarded(view: WidgetView, span: TimeRange) -> str:
    try:
        return _widget(view, span)
    except Exception:  # one widget never takes the page down with it
        log.exception("dashboard widget %d could not be drawn", view.widget.index)
        view.error = "this widget could not be drawn locally (see the cloud's log)"
        view.metric = None
        return _widget(view, span)


def _widget(view: WidgetView, span: TimeRange) -> str:
    cell = view.cell
    kind = view.widget.type
    classes = f"widget {_e(kind)}"
    if kind == "text" and view.widget.properties.get("background") == "transparent":
        classes += " transparent"
    style = (
        f"grid-column:{cell.x + 1} / span {cell.width};grid-row:{cell.y + 1} / span {cell.height}"
    )
    title = f"<h2>{_e(view.title)}{_state(view)}</h2>" if view.title else ""
    if view.error:
        inner = f'<p class="error">{_e(view.error)}</p>'
    elif kind == "text":
        inner = markdown.to_html(str(view.widget.properties.get("markdown") or ""))
    elif kind == "alarm":
        inner = _alarms(view)
    else:
        inner = _metric(view, span)
    return (
        f'<section class="{classes}" id="widget-{view.widget.index}" data-type="{_e(kind)}" '
        f'style="{style}">{title}{inner}</section>'
    )


def _state(view: WidgetView) -> str:
    """An alarm graph's title carries its alarm's state, as the console's does."""
    alarm = view.data.alarm if view.data is not None else None
    if alarm is None:
        return ""
    color = _STATE_COLORS.get(alarm.state, "#687078")
    return f' <span class="state" style="color:{color}">{_e(alarm.state)}</span>'


def _notes(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    return '<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"


def _metric(view: WidgetView, span: TimeRange) -> str:
    assert view.metric is not None and view.data is not None
    spec, data = view.metric, view.data
    notes = list(data.notes)
    if spec.view == "timeSeries":
        chart = svg.Chart(
            start=span.start,
            end=span.end,
            lines=[svg.Line(s.label, s.points, s.style.color, s.style.y_axis) for s in data.series],
            stacked=spec.stacked,
            axes=spec.axes,
            annotations=data.annotations,
            legend=spec.legend,
            timezone=spec.timezone,
            width=view.cell.width * COLUMN_PX,
            height=max(view.cell.height * ROW_PX - TITLE_PX, 60),
        )
        return f'<div class="body">{svg.render(chart)}</div>{_notes(notes)}'
    if spec.view != "singleValue":
        notes.append(f"the {spec.view} view is shown as numbers locally")
    if not any(s.points for s in data.series):
        return f'<div class="body"><p class="nodata">{svg.NO_DATA}</p></div>{_notes(notes)}'
    numbers = []
    for index, series in enumerate(data.series):
        if not series.points:
            value = "-"
        else:
            last = series.points[-1][1]
            value = full(last) if spec.full_precision else short(last)
        spark = _sparkline(series.points, svg.color_of(svg.Line("", [], series.style.color), index))
        numbers.append(
            f'<div class="number" data-series="{index}"><div class="label">{_e(series.label)}'
            f'</div><div class="value">{_e(value)}</div>{spark if spec.sparkline else ""}</div>'
        )
    return f'<div class="body numbers">{"".join(numbers)}</div>{_notes(notes)}'


def _sparkline(points: Sequence[tuple[object, float]], color: str) -> str:
    if len(points) < 2:
        return ""
    values = [v for _, v in points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = 120 / (len(values) - 1)
    coords = " ".join(
        f"{round(i * step, 2)},{round(26 - (v - low) / span * 24, 2)}" for i, v in enumerate(values)
    )
    return (
        '<svg class="sparkline" viewBox="0 0 120 28" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="1.5"/></svg>'
    )


def _alarms(view: WidgetView) -> str:
    items = []
    for row in view.alarms:
        if row.alarm is None:
            items.append(f'<li style="border-color:#687078">{_e(row.arn)} '
                         '<span class="state">not found</span></li>')  # fmt: skip
            continue
        color = _STATE_COLORS.get(row.alarm.state, "#687078")
        items.append(
            f'<li data-state="{_e(row.alarm.state)}" style="border-color:{color}" '
            f'title="{_e(row.alarm.reason)}">{_e(row.alarm.name)} '
            f'<span class="state" style="color:{color}">{_e(row.alarm.state)}</span></li>'
        )
    if not items:
        return '<p class="notes">No alarms in the chosen states.</p>'
    return f'<ul class="alarms">{"".join(items)}</ul>'
