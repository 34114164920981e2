"""Dashboard bodies read tolerantly and widgets placed on the 24-column grid as AWS does."""

from __future__ import annotations

import json

from stratus.local.cloudwatch.dashboard import body, layout


def _cells(widgets: list[dict[str, object]]) -> list[tuple[int, int, int, int]]:
    parsed = body.parse(json.dumps({"widgets": widgets}))
    return [(c.x, c.y, c.width, c.height) for c in layout.place(parsed.widgets)]


def test_explicit_positions_are_kept() -> None:
    cells = _cells(
        [
            {"type": "text", "x": 0, "y": 0, "width": 24, "height": 1, "properties": {}},
            {"type": "metric", "x": 12, "y": 1, "width": 12, "height": 6, "properties": {}},
        ]
    )
    assert cells == [(0, 0, 24, 1), (12, 1, 12, 6)]


def test_widgets_without_position_flow_left_to_right_then_wrap_with_default_size() -> None:
    cells = _cells([{"type": "metric", "properties": {}} for _ in range(5)])
    assert cells == [(0, 0, 6, 6), (6, 0, 6, 6), (12, 0, 6, 6), (18, 0, 6, 6), (0, 6, 6, 6)]


def test_overlapping_widget_moves_down_and_x_stays_inside_the_grid() -> None:
    cells = _cells(
        [
            {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {}},
            {"type": "metric", "x": 6, "y": 2, "width": 12, "height": 3, "properties": {}},
            {"type": "metric", "x": 20, "y": 20, "width": 10, "height": 2, "properties": {}},
        ]
    )
    assert cells[1] == (6, 6, 12, 3)
    assert cells[2] == (14, 20, 10, 2)
    assert layout.rows([layout.Cell(*c) for c in cells]) == 22


def test_sizes_are_clamped_to_the_grid() -> None:
    cells = _cells([{"type": "text", "width": 99, "height": 0, "properties": {}}])
    assert cells == [(0, 0, 24, 6)]


def test_malformed_body_is_an_error_of_the_dashboard_not_an_exception() -> None:
    assert body.parse("{not json").error is not None
    assert body.parse("[]").error == "the dashboard body is not a JSON object"
    assert body.parse('{"widgets": 3}').error == "the dashboard body has no widgets array"


def test_malformed_widget_is_an_error_of_that_widget_only() -> None:
    parsed = body.parse(
        json.dumps(
            {
                "start": "-PT1H",
                "widgets": [
                    "nope",
                    {"type": "pie-chart", "properties": {}},
                    {"type": "metric"},
                    {"type": "text", "width": "wide", "properties": {"markdown": "x"}},
                    {"type": "text", "properties": {"markdown": "ok"}},
                ],
            }
        )
    )
    assert parsed.error is None and parsed.start == "-PT1H"
    errors = [w.error for w in parsed.widgets]
    assert errors[0] == "the widget is not a JSON object"
    assert errors[1] == "unknown widget type 'pie-chart'"
    assert errors[2] == "the widget has no properties object"
    assert errors[3] is not None and "bad position or size" in errors[3]
    assert errors[4] is None
