"""The local X-Ray on the AWS endpoint: a to-do request the client traces (its own Root)
comes back from BatchGetTraces with the gateway's, Lambda's and the function's tracer's
segments, and GetTraceSummaries lists it with its HTTP fields."""

from __future__ import annotations

import json
import ssl
import time
from typing import Any

import httpx

from stratus.local.xray.header import new_trace_id
from tests.conftest import LocalCloudHandle
from tests.integration.conftest import User, aws_client


def _docs(xray: Any, trace_id: str) -> list[dict[str, Any]]:
    traces = xray.batch_get_traces(TraceIds=[trace_id])["Traces"]
    return [json.loads(s["Document"]) for t in traces for s in t["Segments"]]


def _has_dynamodb_call(docs: list[dict[str, Any]]) -> bool:
    def walk(nodes: list[dict[str, Any]]) -> bool:
        return any(
            (n.get("namespace") == "aws" and n.get("name", "").lower() == "dynamodb")
            or walk(n.get("subsegments") or [])
            for n in nodes
        )

    return walk(docs)


def traced_todo_request(cloud: LocalCloudHandle, auth: dict[str, str]) -> str:
    """POST /todos with the client's own trace header; the trace id once the function's
    DynamoDB subsegment has arrived (the tracer sends it over UDP as the handler ends)."""
    root = new_trace_id()
    with httpx.Client(
        verify=ssl.create_default_context(cafile=str(cloud.ca_pem)), timeout=35
    ) as client:
        response = client.post(
            f"{cloud.stack_output('TodoApiUrl')}todos",
            headers={**auth, "X-Amzn-Trace-Id": f"Root={root};Sampled=1"},
            json={"title": "traced"},
        )
    assert response.status_code == 201, response.text
    assert response.headers["x-amzn-trace-id"] == f"Root={root};Sampled=1"
    xray = aws_client(cloud, "xray")
    deadline = time.monotonic() + 15
    while not _has_dynamodb_call(_docs(xray, root)):
        assert time.monotonic() < deadline, _docs(xray, root)
        time.sleep(0.2)
    return root


def test_batch_get_traces_answers_the_requests_segments(
    local_cloud: LocalCloudHandle, alice: User
) -> None:
    trace_id = traced_todo_request(local_cloud, alice.auth)
    xray = aws_client(local_cloud, "xray")
    docs = _docs(xray, trace_id)
    by_origin = {d.get("origin"): d for d in docs}
    stage = by_origin["AWS::ApiGateway::Stage"]
    service, function = by_origin["AWS::Lambda"], by_origin["AWS::Lambda::Function"]
    assert stage["http"]["response"]["status"] == 201 and "parent_id" not in stage
    assert service["parent_id"] == stage["id"] and function["parent_id"] == service["id"]
    handler = next(d for d in docs if d.get("name") == "## lambda_handler")
    assert handler["parent_id"] == function["id"]
    assert handler["annotations"]["Service"]

    now = time.time()
    summaries = xray.get_trace_summaries(StartTime=now - 300, EndTime=now + 5)["TraceSummaries"]
    [summary] = [s for s in summaries if s["Id"] == trace_id]
    assert summary["Http"]["HttpMethod"] == "POST" and summary["Http"]["HttpStatus"] == 201
    assert summary["EntryPoint"]["Type"] == "AWS::ApiGateway::Stage"
    assert xray.batch_get_traces(TraceIds=["1-00000000-000000000000000000000000"])[
        "UnprocessedTraceIds"
    ] == ["1-00000000-000000000000000000000000"]


def test_a_request_the_client_did_not_sample_records_nothing_downstream(
    local_cloud: LocalCloudHandle, alice: User
) -> None:
    """`Sampled=0` is kept by the stage and passed on: neither the stage, Lambda nor the
    function's tracer records a segment, while a sampled request a moment later is whole."""
    root = new_trace_id()
    with httpx.Client(
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)), timeout=35
    ) as client:
        response = client.post(
            f"{local_cloud.stack_output('TodoApiUrl')}todos",
            headers={**alice.auth, "X-Amzn-Trace-Id": f"Root={root};Sampled=0"},
            json={"title": "not traced"},
        )
    assert response.status_code == 201, response.text
    assert response.headers["x-amzn-trace-id"] == f"Root={root};Sampled=0"
    sampled = traced_todo_request(local_cloud, alice.auth)  # its segments arrived: ours would too
    xray = aws_client(local_cloud, "xray")
    assert _docs(xray, sampled)
    assert _docs(xray, root) == []
