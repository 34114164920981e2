"""The SVG graph: data points land on the right coordinates, stacking adds up, colours and
legends are per series, empty data says so, and labels are escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from stratus.local.cloudwatch.dashboard import svg
from stratus.local.cloudwatch.dashboard.specs import Annotation, AxisSpec

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _polylines(document: str) -> list[list[tuple[float, float]]]:
    out = []
    for points in re.findall(r'<polyline class="series"[^>]* points="([^"]*)"', document):
        pairs = [pair.split(",") for pair in points.split()]
        out.append([(float(x), float(y)) for x, y in pairs])
    return out


def _chart(lines: list[svg.Line], **extra: object) -> svg.Chart:
    options: dict[str, object] = {"legend": "hidden", "width": 600, "height": 240, **extra}
    return svg.Chart(T0, T0 + timedelta(hours=1), lines, **options)  # type: ignore[arg-type]


def test_points_map_to_time_and_value_coordinates() -> None:
    points = [(T0, 0.0), (T0 + timedelta(minutes=30), 50.0), (T0 + timedelta(hours=1), 100.0)]
    document = svg.render(_chart([svg.Line("Requests", points)]))
    # plot area: x 46..588 (600 - 46 left - 12 right), y 10..218 (240 - 10 top - 22 ticks);
    # the y axis is 0..100 (nice steps of 20)
    [line] = _polylines(document)
    assert line == [(46.0, 218.0), (317.0, 114.0), (588.0, 10.0)]
    ticks = re.findall(r'<text class="ytick"[^>]*>([^<]*)</text>', document)
    assert ticks == ["0", "20", "40", "60", "80", "100"]
    assert re.findall(r'<text class="xtick"[^>]*>([^<]*)</text>', document)[:2] == [
        "12:00",
        "12:10",
    ]


def test_fixed_axis_range_and_timezone_are_honoured() -> None:
    points = [(T0, 5.0), (T0 + timedelta(hours=1), 5.0)]
    chart = _chart(
        [svg.Line("x", points)], axes={"left": AxisSpec(min=0, max=10)}, timezone="+0130"
    )
    document = svg.render(chart)
    [line] = _polylines(document)
    assert [y for _, y in line] == [114.0, 114.0]  # half way up 10..218
    assert re.findall(r'<text class="xtick"[^>]*>([^<]*)</text>', document)[0] == "13:30"


def test_each_series_has_its_own_colour_and_a_row_colour_wins() -> None:
    lines = [
        svg.Line("a", [(T0, 1.0)]),
        svg.Line("b", [(T0, 2.0)]),
        svg.Line("c", [(T0, 3.0)], color="#123456"),
        svg.Line("d", [(T0, 3.0)], color="red;x"),
    ]
    document = svg.render(_chart(lines, legend="bottom"))
    strokes = re.findall(r'<polyline class="series"[^>]* stroke="([^"]+)"', document)
    assert strokes == ["#1f77b4", "#ff7f0e", "#123456", "#d62728"]
    legend = re.findall(r'<rect x="[^"]*" y="[^"]*" width="12" height="4" fill="([^"]+)"', document)
    assert legend == strokes


def test_stacked_lines_add_up_per_axis() -> None:
    lines = [
        svg.Line("a", [(T0, 10.0), (T0 + timedelta(minutes=30), 20.0)]),
        svg.Line("b", [(T0, 5.0)]),
        svg.Line("r", [(T0, 1000.0)], y_axis="right"),
    ]
    tops = svg.stacked_values(lines)
    assert [v for _, v in tops[0]] == [10.0, 20.0]
    assert [v for _, v in tops[1]] == [15.0, 20.0]  # b adds nothing where it has no point
    assert [v for _, v in tops[2]] == [1000.0]  # the right axis stacks on its own
    document = svg.render(_chart(lines, stacked=True))
    assert document.count('<polygon class="area"') == 3


def test_annotation_is_drawn_at_its_value_with_fill() -> None:
    points = [(T0, 0.0), (T0 + timedelta(hours=1), 100.0)]
    note = Annotation(value=50.0, label="limit <5xx>", fill="above")
    document = svg.render(_chart([svg.Line("x", points)], annotations=[note]))
    assert re.search(r'<line class="annotation" x1="46" y1="114.0"', document)
    assert '<rect class="annotation-fill"' in document
    assert "limit &lt;5xx&gt;" in document and "<5xx>" not in document


def test_no_points_says_no_data_available() -> None:
    document = svg.render(_chart([svg.Line("x", [])]))
    assert "No data available." in document
    assert "<polyline" not in document


def test_labels_are_escaped() -> None:
    line = svg.Line('<script>alert("x")</script>', [(T0, 1.0)])
    document = svg.render(_chart([line], legend="right"))
    assert "<script" not in document
    assert "&lt;script&gt;" in document
