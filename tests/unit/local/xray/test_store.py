"""The store: documents checked as PutTraceSegments does, bounded, summarised."""

from __future__ import annotations

import json

import pytest
from tests.unit.local.xray.docs import T0, TRACE, gateway, handler_subsegment, whole_trace

from stratus.local.xray.header import new_trace_id
from stratus.local.xray.segments import MAX_DOCUMENT, BadSegment, parse_document
from stratus.local.xray.store import TraceStore


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"id": "xyz"}, "InvalidId"),
        ({"name": ""}, "InvalidName"),
        ({"name": "n" * 201}, "InvalidName"),
        ({"trace_id": "1-abc"}, "InvalidTraceId"),
        ({"start_time": "soon"}, "MissingParam"),
        ({"end_time": None}, "MissingParam"),
    ],
)
def test_documents_missing_required_fields_are_refused(change: dict, code: str) -> None:
    doc = {**gateway(), **change}
    with pytest.raises(BadSegment) as refused:
        parse_document(json.dumps(doc))
    assert refused.value.code == code


def test_in_progress_segment_needs_no_end_time() -> None:
    doc = {**gateway(), "in_progress": True}
    del doc["end_time"]
    assert parse_document(json.dumps(doc))["in_progress"] is True


def test_independent_subsegment_needs_its_parent() -> None:
    doc = handler_subsegment()
    del doc["parent_id"]
    with pytest.raises(BadSegment):
        parse_document(json.dumps(doc))


def test_not_json_and_oversized_documents_are_refused() -> None:
    for raw in ("{", "[]", "x" * (MAX_DOCUMENT + 1)):
        with pytest.raises(BadSegment):
            parse_document(raw)


def test_oldest_trace_goes_when_full() -> None:
    store = TraceStore(max_traces=3)
    ids = [new_trace_id() for _ in range(5)]
    for trace_id in ids:
        store.put_document(gateway(trace_id))
    assert len(store) == 3
    assert [t["Id"] for t in store.summaries()] == ids[:1:-1]
    assert store.get(ids[0]) is None


def test_documents_are_bounded_by_their_bytes_too() -> None:
    one = len(json.dumps(gateway(), separators=(",", ":")))
    store = TraceStore(max_traces=100, max_bytes=3 * one + one // 2)
    ids = [new_trace_id() for _ in range(6)]
    for trace_id in ids:
        store.put_document(gateway(trace_id))
        assert store.size <= 3 * one + one // 2
    assert [t["Id"] for t in store.summaries()] == ids[:2:-1]  # the newest three
    store.put_document({**gateway(ids[-1]), "end_time": T0 + 1})  # a resend replaces
    assert len(store) == 3 and store.size <= 3 * one + one // 2


def test_segments_per_trace_are_bounded_and_resends_replace() -> None:
    store = TraceStore(max_segments=2)
    store.put_document(gateway())
    store.put_document({**gateway(), "end_time": T0 + 1})  # the same id, sent again
    store.put_document(handler_subsegment())
    with pytest.raises(BadSegment):
        store.put_document({**handler_subsegment(), "id": "f" * 16})
    trace = store.get(TRACE)
    assert trace is not None and len(trace.documents) == 2 and trace.end == T0 + 1
    [summary] = store.summaries()
    assert summary["Duration"] == 1.0  # recomputed after the resend


def test_summary_has_entry_http_flags_services_and_annotations() -> None:
    store = TraceStore()
    for doc in whole_trace():
        store.put_document(doc)
    store.put_document({**handler_subsegment(), "id": "e" * 16, "fault": True})
    trace = store.get(TRACE)
    assert trace is not None
    summary = trace.summary()
    assert summary["Http"] == {
        "HttpURL": "https://x/todos",
        "HttpMethod": "GET",
        "HttpStatus": 200,
        "ClientIp": "127.0.0.1",
    }
    assert summary["Duration"] == 0.5 and summary["HasFault"] and not summary["HasError"]
    assert summary["EntryPoint"]["Type"] == "AWS::ApiGateway::Stage"
    types = {s.get("Type") for s in summary["ServiceIds"]}
    assert {"AWS::ApiGateway::Stage", "AWS::Lambda", "AWS::Lambda::Function"} <= types
    assert "AWS::DynamoDB" in types
    assert summary["Annotations"]["ColdStart"][0] == {"AnnotationValue": {"BooleanValue": True}}
