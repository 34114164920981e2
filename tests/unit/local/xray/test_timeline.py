"""Timeline layout: rows nested by parent (nested, parent_id, segment under segment), bars
offset by start within the trace and as wide as their duration."""

from __future__ import annotations

from tests.unit.local.xray.docs import T0, TRACE, whole_trace

from stratus.local.xray.timeline import MAX_ROWS, layout


def test_rows_nest_gateway_lambda_function_handler_dynamodb() -> None:
    timeline = layout(whole_trace())
    assert [(r.name, r.depth) for r in timeline.rows] == [
        ("todo-api/prod", 0),
        ("fn", 1),  # AWS::Lambda under the gateway (its parent_id)
        ("fn", 2),  # AWS::Lambda::Function under AWS::Lambda
        ("Initialization", 3),
        ("Invocation", 3),
        ("## lambda_handler", 3),  # an independent subsegment, by parent_id
        ("DynamoDB", 4),
    ]
    assert timeline.start == T0 and abs(timeline.duration - 0.5) < 1e-9


def test_bars_are_offset_and_sized_in_percent_of_the_trace() -> None:
    rows = {r.name: r for r in layout(whole_trace()).rows}
    assert rows["todo-api/prod"].offset_pct == 0 and rows["todo-api/prod"].width_pct == 100
    dynamo = rows["DynamoDB"]
    assert abs(dynamo.offset_pct - 50.0) < 0.01 and abs(dynamo.width_pct - 10.0) < 0.01
    assert dynamo.kind == "aws"
    assert ("operation", "Query") in dynamo.summary and ("table_name", "Todos") in dynamo.summary
    assert [k for k, _ in dynamo.details] == ["http", "aws"]


def test_flags_and_http_summary_are_carried() -> None:
    docs = whole_trace()
    docs[0]["fault"] = True
    row = layout(docs).rows[0]
    assert (
        row.fault
        and ("http", "GET https://x/todos") in row.summary
        and ("status", "200") in row.summary
    )


def test_a_parent_cycle_still_draws_every_row_once() -> None:
    a = {
        "id": "a" * 16,
        "name": "a",
        "trace_id": TRACE,
        "start_time": T0,
        "end_time": T0 + 1,
        "parent_id": "b" * 16,
    }
    b = {
        "id": "b" * 16,
        "name": "b",
        "trace_id": TRACE,
        "start_time": T0,
        "end_time": T0 + 1,
        "parent_id": "a" * 16,
    }
    rows = layout([a, b]).rows
    assert sorted(r.name for r in rows) == ["a", "b"]


def test_zero_length_trace_and_empty_input() -> None:
    doc = {"id": "a" * 16, "name": "a", "trace_id": TRACE, "start_time": T0, "end_time": T0}
    [row] = layout([doc]).rows
    assert row.offset_pct == 0 and row.width_pct == 0
    assert layout([]).rows == []


def test_rows_are_capped() -> None:
    subs = [
        {"id": f"{i:016x}", "name": "s", "start_time": T0, "end_time": T0 + 1}
        for i in range(1, MAX_ROWS + 10)
    ]
    doc = {
        "id": "f" * 16,
        "name": "big",
        "trace_id": TRACE,
        "start_time": T0,
        "end_time": T0 + 1,
        "subsegments": subs,
    }
    timeline = layout([doc])
    assert len(timeline.rows) == MAX_ROWS and timeline.truncated
