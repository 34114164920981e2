"""The segments the local cloud records: API Gateway's stage segment and Lambda's two, joined
into one trace through the header the gateway hands the invocation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stratus.local.xray import recorder
from stratus.local.xray import store as stores
from stratus.local.xray.header import parse

CLIENT = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture
def store() -> Iterator[stores.TraceStore]:
    kept = stores.TraceStore()
    stores.set_active(kept)
    yield kept
    stores.set_active(None)
    recorder.INCOMING.set(None)


def _end_gateway(trace: recorder.GatewayTrace, status: int = 200) -> None:
    recorder.gateway_end(
        trace,
        name="api/prod",
        resource_arn="arn:aws:apigateway:us-east-1::/restapis/a/stages/prod",
        method="GET",
        url="https://h/x",
        client_ip="127.0.0.1",
        user_agent="t",
        status=status,
        length=2,
        integration=(trace.start, trace.start + 0.01),
    )


def test_traced_stage_keeps_the_clients_root_and_records_its_segment(
    store: stores.TraceStore,
) -> None:
    trace = recorder.gateway_begin(CLIENT, traced=True)
    downstream = parse(trace.downstream.render())
    assert downstream is not None
    assert downstream.root == "1-5759e988-bd862e3fe1be46a994272793"
    assert downstream.parent == trace.segment_id and downstream.sampled is True
    _end_gateway(trace, status=502)
    [doc] = store.get(downstream.root).docs  # type: ignore[union-attr]
    assert doc["origin"] == "AWS::ApiGateway::Stage" and doc["parent_id"] == "53995c3f42cd8ad8"
    assert doc["fault"] is True and doc["http"]["response"]["status"] == 502
    assert trace.answer == "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"


def test_untraced_stage_records_nothing_and_passes_the_root_only(
    store: stores.TraceStore,
) -> None:
    trace = recorder.gateway_begin(None, traced=False)
    assert trace.downstream.render().startswith("Root=1-") and ";" not in trace.answer
    _end_gateway(trace)
    assert len(store) == 0


def test_active_function_joins_the_gateways_trace(store: stores.TraceStore) -> None:
    gateway = recorder.gateway_begin(None, traced=True)
    invocation = recorder.lambda_begin("Active")
    header = parse(invocation.function_header)
    assert header is not None and header.root == gateway.header.root
    assert header.parent == invocation.function_id and header.sampled is True
    t = invocation.start
    recorder.lambda_end(
        invocation,
        function_name="fn",
        function_arn="arn:aws:lambda:us-east-1:000000000000:function:fn",
        request_id="r",
        init=(t, t + 0.1),
        invocation=(t + 0.1, t + 0.2),
        status="error",
        error="boom",
    )
    _end_gateway(gateway)
    docs = {d["origin"]: d for d in store.get(gateway.header.root).docs}  # type: ignore[union-attr]
    service, function = docs["AWS::Lambda"], docs["AWS::Lambda::Function"]
    assert service["parent_id"] == gateway.segment_id
    assert function["parent_id"] == service["id"] and function["error"] is True
    names = [s["name"] for s in function["subsegments"]]
    assert names == ["Initialization", "Invocation", "Overhead"]


def test_pass_through_function_is_not_sampled_without_a_sampled_caller(
    store: stores.TraceStore,
) -> None:
    invocation = recorder.lambda_begin("PassThrough")
    assert invocation.function_header.endswith("Sampled=0")
    recorder.lambda_end(
        invocation,
        function_name="fn",
        function_arn="arn",
        request_id="r",
        init=None,
        invocation=None,
        status="ok",
    )
    assert len(store) == 0
