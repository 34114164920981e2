"""Line and stacked-area graphs as self-contained SVG, drawn on the server.

Pure: a `Chart` (series of (time, value) points, axes, annotations) in, SVG text out, every
string escaped. Layout as the console's graphs: time on x with clock-friendly ticks in the
widget's time zone, a left and (when a series uses it) right y axis, each auto-scaled to
its series and visible annotations unless `yAxis` fixes min/max, one colour per series
from the console's palette unless the row sets `color`, a legend (bottom, right or
hidden), and "No data available." when no series has a point
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph_a_metric.html).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stratus.local.cloudwatch.dashboard.numbers import nice_range, short, time_ticks
from stratus.local.cloudwatch.dashboard.specs import Annotation, AxisSpec

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip
NO_DATA = "No data available."
_COLOR = re.compile(r"^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$")
_TZ = re.compile(r"^([+-])(\d{2})(\d{2})$")
CHAR_PX = 6.5  # average width of an 11 px label, to lay out the legend
FONT = 11


@dataclass
class Line:
    label: str
    points: list[tuple[datetime, float]]
    color: str | None = None
    y_axis: str = "left"


@dataclass
class Chart:
    start: datetime
    end: datetime
    lines: list[Line]
    stacked: bool = False
    axes: dict[str, AxisSpec] = field(default_factory=dict)
    annotations: list[Annotation] = field(default_factory=list)
    legend: str = "bottom"
    timezone: str = "+0000"
    width: int = 600
    height: int = 240


@dataclass
class Frame:
    """The plot area and the scales that map data to it."""

    left: float
    top: float
    width: float
    height: float
    start: float
    end: float
    y: dict[str, tuple[float, float, float]]  # axis -> (low, high, step)

    def x_of(self, moment: datetime) -> float:
        share = (moment.timestamp() - self.start) / ((self.end - self.start) or 1.0)
        return round(self.left + share * self.width, 2)

    def y_of(self, value: float, axis: str = "left") -> float:
        low, high, _ = self.y.get(axis) or self.y["left"]
        share = (value - low) / ((high - low) or 1.0)
        return round(self.top + self.height - share * self.height, 2)


def color_of(line: Line, index: int) -> str:
    if line.color and _COLOR.match(line.color):
        return line.color
    return PALETTE[index % len(PALETTE)]


def tz_offset(text: str) -> timedelta:
    match = _TZ.match(text.strip())
    if not match:
        return timedelta(0)
    sign = -1 if match.group(1) == "-" else 1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))


def stacked_values(lines: list[Line]) -> list[list[tuple[datetime, float]]]:
    """Each line's top edge when stacked: the running total, per y axis, over the
    timestamps of that axis' lines (a line without a point there adds nothing)."""
    out: list[list[tuple[datetime, float]]] = [[] for _ in lines]
    for axis in ("left", "right"):
        members = [i for i, line in enumerate(lines) if line.y_axis == axis]
        stamps = sorted({t for i in members for t, _ in lines[i].points})
        totals = dict.fromkeys(stamps, 0.0)
        for i in members:
            own = dict(lines[i].points)
            for t in stamps:
                totals[t] += own.get(t, 0.0)
            out[i] = [(t, totals[t]) for t in stamps]
    return out


def _domain(values: list[float], axis: AxisSpec) -> tuple[float, float, float]:
    low = min(values) if values else 0.0
    high = max(values) if values else 1.0
    if axis.min is not None:
        low = axis.min
    if axis.max is not None:
        high = axis.max
    if high == low:
        pad = (abs(low) or 1.0) / 2
        low, high = (low if axis.min is not None else low - pad), high + pad
    nice_low, nice_high, step = nice_range(low, high)
    return (
        axis.min if axis.min is not None else nice_low,
        axis.max if axis.max is not None else nice_high,
        step,
    )


def _legend_rows(labels: list[str], width: float) -> list[list[int]]:
    rows: list[list[int]] = [[]]
    used = 0.0
    for index, label in enumerate(labels):
        size = 18 + CHAR_PX * len(label) + 12
        if rows[-1] and used + size > width:
            rows.append([])
            used = 0.0
        rows[-1].append(index)
        used += size
    return rows


def render(chart: Chart) -> str:
    lines = chart.lines
    tops = stacked_values(lines) if chart.stacked else [line.points for line in lines]
    has_data = any(points for points in tops)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {chart.width} {chart.height}" width="100%" height="100%" '
        f'preserveAspectRatio="xMidYMid meet" font-family="sans-serif" font-size="{FONT}">'
    )
    if not has_data:
        return (
            f'{head}<text class="nodata" x="{chart.width / 2}" y="{chart.height / 2}" '
            f'text-anchor="middle" fill="#545b64">{NO_DATA}</text></svg>'
        )
    labels = [line.label for line in lines]
    legend_right = chart.legend == "right"
    legend_width = (
        min(chart.width * 0.4, 24 + CHAR_PX * max(map(len, labels))) if legend_right else 0
    )
    rows = _legend_rows(labels, chart.width - 20) if chart.legend == "bottom" else []
    axes_used = {line.y_axis for line in lines} | {a.y_axis for a in chart.annotations}
    left_label = chart.axes.get("left", AxisSpec()).label
    right_label = chart.axes.get("right", AxisSpec()).label
    margin_left = 46 + (14 if left_label else 0)
    margin_right = (46 + (14 if right_label else 0)) if "right" in axes_used else 12
    frame = Frame(
        left=margin_left,
        top=10,
        width=max(chart.width - margin_left - margin_right - legend_width, 20),
        height=max(chart.height - 10 - 22 - 16 * len(rows), 20),
        start=min([chart.start.timestamp()] + [t.timestamp() for p in tops for t, _ in p]),
        end=chart.end.timestamp(),
        y={},
    )
    for axis in ("left", "right"):
        values = [v for line, pts in zip(lines, tops, strict=True) if line.y_axis == axis
                  for _, v in pts]  # fmt: skip
        values += [a.value for a in chart.annotations if a.y_axis == axis]
        if chart.stacked and values:
            values.append(0.0)
        frame.y[axis] = _domain(values, chart.axes.get(axis, AxisSpec()))
    parts = [head]
    parts += _axes(chart, frame, axes_used, left_label, right_label)
    parts += _annotations(chart, frame)
    parts += _series(chart, frame, tops)
    parts += _legend(chart, frame, rows, legend_right)
    parts.append("</svg>")
    return "".join(parts)


def _axes(
    chart: Chart, frame: Frame, used: set[str], left_label: str | None, right_label: str | None
) -> list[str]:
    out = ['<g class="axes" stroke="#d5dbdb" stroke-width="1">']
    bottom = frame.top + frame.height
    right = frame.left + frame.width
    offset = tz_offset(chart.timezone)
    span = chart.end.timestamp() - frame.start
    texts: list[str] = []
    for axis in ("left", "right"):
        if axis == "right" and axis not in used:
            continue
        low, high, step = frame.y[axis]
        value = low
        count = 0
        while value <= high + step * 1e-9 and count < 50:
            y = frame.y_of(value, axis)
            if axis == "left":
                out.append(f'<line x1="{frame.left}" y1="{y}" x2="{right}" y2="{y}"/>')
                texts.append(f'<text class="ytick" x="{frame.left - 4}" y="{y + 4}" '
                             f'text-anchor="end">{html.escape(short(value))}</text>')  # fmt: skip
            else:
                texts.append(f'<text class="ytick" x="{right + 4}" y="{y + 4}" '
                             f'text-anchor="start">{html.escape(short(value))}</text>')  # fmt: skip
            value += step
            count += 1
    for tick in time_ticks(datetime.fromtimestamp(frame.start, chart.start.tzinfo), chart.end,
                           offset):  # fmt: skip
        x = frame.x_of(tick)
        shown = tick + offset
        text = shown.strftime("%m/%d") if span > 2 * 86400 else shown.strftime("%H:%M")
        out.append(f'<line x1="{x}" y1="{bottom}" x2="{x}" y2="{bottom + 4}"/>')
        anchor = "end" if x > chart.width - 20 else "middle"  # the last label stays inside
        texts.append(f'<text class="xtick" x="{x}" y="{bottom + 15}" '
                     f'text-anchor="{anchor}">{text}</text>')  # fmt: skip
    out.append(f'<line x1="{frame.left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    out.append("</g>")
    middle = frame.top + frame.height / 2
    if left_label:
        out.append(f'<text class="ylabel" transform="translate(12 {middle}) rotate(-90)" '
                   f'text-anchor="middle">{html.escape(left_label)}</text>')  # fmt: skip
    if right_label and "right" in used:
        x = chart.width - 6
        out.append(f'<text class="ylabel" transform="translate({x} {middle}) rotate(90)" '
                   f'text-anchor="middle">{html.escape(right_label)}</text>')  # fmt: skip
    return [*out, '<g class="ticks" fill="#545b64">', *texts, "</g>"]


def _annotations(chart: Chart, frame: Frame) -> list[str]:
    out = []
    right = frame.left + frame.width
    bottom = frame.top + frame.height
    for note in chart.annotations:
        low, high, _ = frame.y.get(note.y_axis) or frame.y["left"]
        if not low <= note.value <= high:
            continue
        color = note.color if note.color and _COLOR.match(note.color) else "#d62728"
        y = frame.y_of(note.value, note.y_axis)
        if note.fill in ("above", "below"):
            top, height = (frame.top, y - frame.top) if note.fill == "above" else (y, bottom - y)
            out.append(f'<rect class="annotation-fill" x="{frame.left}" y="{top}" '
                       f'width="{frame.width}" height="{height}" fill="{color}" '
                       'fill-opacity="0.1"/>')  # fmt: skip
        out.append(f'<line class="annotation" x1="{frame.left}" y1="{y}" x2="{right}" y2="{y}" '
                   f'stroke="{color}" stroke-dasharray="4 3"/>')  # fmt: skip
        if note.label:
            text = html.escape(note.label)
            out.append(f'<text class="annotation-label" x="{right - 4}" y="{y - 4}" '
                       f'text-anchor="end" fill="{color}">{text}</text>')  # fmt: skip
    return out


def _series(chart: Chart, frame: Frame, tops: list[list[tuple[datetime, float]]]) -> list[str]:
    out = []
    below: dict[str, list[tuple[float, float]]] = {}
    for index, (line, points) in enumerate(zip(chart.lines, tops, strict=True)):
        color = color_of(line, index)
        coords = [(frame.x_of(t), frame.y_of(v, line.y_axis)) for t, v in points]
        joined = " ".join(f"{x},{y}" for x, y in coords)
        label = html.escape(line.label)
        if chart.stacked and coords:
            base = below.get(line.y_axis) or [(x, frame.y_of(0.0, line.y_axis)) for x, _ in coords]
            outline = coords + list(reversed(base))
            shape = " ".join(f"{x},{y}" for x, y in outline)
            out.append(f'<polygon class="area" points="{shape}" fill="{color}" '
                       'fill-opacity="0.35" stroke="none"/>')  # fmt: skip
            below[line.y_axis] = coords
        out.append(
            f'<polyline class="series" data-series="{index}" data-label="{label}" '
            f'points="{joined}" fill="none" stroke="{color}" stroke-width="1.5">'
            f"<title>{label}</title></polyline>"
        )
        if len(coords) == 1:
            x, y = coords[0]
            out.append(f'<circle class="point" cx="{x}" cy="{y}" r="2.5" fill="{color}"/>')
    return out


def _legend(chart: Chart, frame: Frame, rows: list[list[int]], right: bool) -> list[str]:
    out = ['<g class="legend" fill="#16191f">']
    if right:
        x = frame.left + frame.width + (52 if any(
            line.y_axis == "right" for line in chart.lines) else 16)  # fmt: skip
        for index, line in enumerate(chart.lines):
            y = frame.top + 8 + index * 16
            out.append(_entry(x, y, color_of(line, index), line.label))
    else:
        for row_index, row in enumerate(rows):
            y = frame.top + frame.height + 34 + row_index * 16
            x = 10.0
            for index in row:
                line = chart.lines[index]
                out.append(_entry(x, y, color_of(line, index), line.label))
                x += 18 + CHAR_PX * len(line.label) + 12
    out.append("</g>")
    return out


def _entry(x: float, y: float, color: str, label: str) -> str:
    return (
        f'<rect x="{x}" y="{y - 8}" width="12" height="4" fill="{color}"/>'
        f'<text x="{x + 16}" y="{y - 3}">{html.escape(label)}</text>'
    )
