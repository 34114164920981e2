"""One trace across a queue, a topic and a bus (xray.propagation), in a running local cloud:
a request to a fixture API whose function sends to SQS, publishes to SNS and puts an event
on EventBridge comes back from BatchGetTraces as ONE trace holding the producer's segments
and those of the three functions the messages reach, each a child of the producer; the
reader of a Kinesis stream the producer also writes to starts a trace of its own."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from stratus.local.xray.header import new_trace_id
from tests.conftest import LocalCloudHandle
from tests.integration.conftest import aws_client, fixture_app_cloud

FUNCTIONS = ("producer", "consumer", "subscriber", "listener")
PREFIX = "trace-links-"


@pytest.fixture(scope="module")
def links_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    with fixture_app_cloud(tmp_path_factory, "trace_links", "trace-links-app") as handle:
        yield handle


def trace_docs(cloud: LocalCloudHandle, trace_id: str) -> list[dict[str, Any]]:
    traces = aws_client(cloud, "xray").batch_get_traces(TraceIds=[trace_id])["Traces"]
    return [json.loads(s["Document"]) for t in traces for s in t["Segments"]]


def function_segments(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The `AWS::Lambda::Function` segments of a trace by short function name."""
    return {
        d["name"].removeprefix(PREFIX): d
        for d in docs
        if d.get("origin") == "AWS::Lambda::Function" and d["name"].startswith(PREFIX)
    }


def linked_request(cloud: LocalCloudHandle) -> str:
    """POST to the fixture API with the client's own Root; the trace id once every
    function's segments have arrived."""
    root = new_trace_id()
    with httpx.Client(
        verify=ssl.create_default_context(cafile=str(cloud.ca_pem)), timeout=35
    ) as client:
        response = client.post(
            str(cloud.stack_output("ApiUrl")),
            headers={"X-Amzn-Trace-Id": f"Root={root};Sampled=1"},
            json={"n": 1},
        )
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 30
    while set(function_segments(trace_docs(cloud, root))) != set(FUNCTIONS):
        assert time.monotonic() < deadline, sorted(function_segments(trace_docs(cloud, root)))
        time.sleep(0.3)
    return root


def test_the_queue_topic_and_bus_consumers_join_the_producers_trace(
    links_cloud: LocalCloudHandle,
) -> None:
    trace_id = linked_request(links_cloud)
    docs = trace_docs(links_cloud, trace_id)
    assert {d["trace_id"] for d in docs} == {trace_id}
    functions = function_segments(docs)
    services = {d["id"]: d for d in docs if d.get("origin") == "AWS::Lambda"}
    producer = functions["producer"]
    for name in ("consumer", "subscriber", "listener"):
        # Each consumer's Lambda service segment hangs under the producer's function
        # segment: the Parent its SDK call carried through the message.
        service = services[functions[name]["parent_id"]]
        assert service["parent_id"] == producer["id"], (name, service)
    assert "reader" not in functions


def test_a_stream_reader_starts_a_trace_of_its_own(links_cloud: LocalCloudHandle) -> None:
    trace_id = linked_request(links_cloud)
    xray = aws_client(links_cloud, "xray")
    deadline = time.monotonic() + 30
    while True:
        now = time.time()
        ids = [
            s["Id"]
            for s in xray.get_trace_summaries(StartTime=now - 300, EndTime=now + 5)[
                "TraceSummaries"
            ]
        ]
        owners = {i: set(function_segments(trace_docs(links_cloud, i))) for i in ids}
        readers = [i for i, names in owners.items() if "reader" in names]
        if readers:
            break
        assert time.monotonic() < deadline, owners
        time.sleep(0.3)
    assert trace_id not in readers and all(owners[i] == {"reader"} for i in readers), owners
