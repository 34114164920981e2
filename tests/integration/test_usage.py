"""The local cloud records what a stage would be billed for, and `stratus cost --from-local`
prices it: a few to-do API calls show up in `GET /_stratus/usage` as API requests per
route, Lambda invocations with billed milliseconds and DynamoDB request units; Kinesis
records put show up per stream with their 25 KB PUT payload units."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import User, aws_client

pytestmark = pytest.mark.integration


def _usage(cloud: LocalCloudHandle, method: str = "GET") -> dict[str, Any]:
    response = httpx.request(method, f"{cloud.aws_endpoint}/_stratus/usage", timeout=10)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture(scope="module")
def recorded(local_cloud: LocalCloudHandle, api: httpx.Client, alice: User) -> dict[str, Any]:
    """A fresh window with one to-do created and the list read twice."""
    cleared = _usage(local_cloud, "DELETE")
    assert cleared["apis"] == {} and cleared["functions"] == {}
    assert api.post("todos", headers=alice.auth, json={"title": "priced"}).status_code == 201
    for _ in range(2):
        assert api.get("todos", headers=alice.auth).status_code == 200
    return _usage(local_cloud)


def test_api_requests_are_counted_per_route_with_bytes(recorded: dict[str, Any]) -> None:
    routes = {e["route"]: e for e in recorded["routes"].values()}
    assert routes["POST /todos"]["requests"] >= 1
    assert routes["GET /todos"]["requests"] >= 2
    api = next(
        e for e in recorded["apis"].values() if e["api_id"] == routes["GET /todos"]["api_id"]
    )
    assert api["requests"] >= 3 and api["bytes_out"] > 0
    assert api.get("logical_id")  # named by its template resource


def test_lambda_invocations_carry_billed_duration_and_memory(recorded: dict[str, Any]) -> None:
    busy = [e for e in recorded["functions"].values() if e.get("invocations", 0) >= 3]
    assert busy, recorded["functions"]
    fn = busy[0]
    assert fn["billed_ms"] >= fn["invocations"]  # at least 1 ms each, rounded up
    assert fn["memory_mb"] >= 128 and fn["architecture"] in ("x86_64", "arm64")


def test_dynamodb_request_units_are_counted(recorded: dict[str, Any]) -> None:
    tables = recorded["tables"].values()
    assert sum(t.get("write_units", 0) for t in tables) >= 1
    assert sum(t.get("read_units", 0) for t in tables) > 0
    assert recorded["seconds"] > 0
    assert recorded["dax"]["lookups"] >= 1  # the to-do list is read through DAX


def test_stratus_cost_from_local_prices_the_recorded_traffic(
    local_cloud: LocalCloudHandle, recorded: dict[str, Any]
) -> None:
    """`stratus cost --stage local --from-local --json`: the interface keys, nonzero Lambda
    and API Gateway costs, and the scaling among the assumptions."""
    stratus = str(Path(sys.executable).with_name("stratus"))
    args = ["cost", "--stage", "local", "--from-local", "--users", "1000", "--json"]
    done = subprocess.run(
        [stratus, *args, "--state-dir", str(local_cloud.state_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {"stage", "monthly_usd", "services", "assumptions"} <= set(data)
    assert data["stage"] == "local"
    assert data["services"]["lambda"] > 0
    assert data["services"]["apigateway"] > 0
    assert data["monthly_usd"] >= data["services"]["lambda"] + data["services"]["apigateway"]
    assert any("one user's day, times 1,000 users" in note for note in data["assumptions"])


def test_kinesis_puts_count_records_and_put_payload_units(local_cloud: LocalCloudHandle) -> None:
    """A stream of the test's own (no application consumer reads it): one 30 KB PutRecord
    (two units) and a PutRecords of two small records (one each)."""
    kinesis = aws_client(local_cloud, "kinesis")
    name = "usage-probe-stream"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    try:
        kinesis.get_waiter("stream_exists").wait(
            StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        kinesis.put_record(StreamName=name, Data=b"x" * 30 * 1024, PartitionKey="k")
        records = [{"Data": b"small", "PartitionKey": "k"}] * 2
        assert kinesis.put_records(StreamName=name, Records=records)["FailedRecordCount"] == 0
        stream = next(e for e in _usage(local_cloud)["streams"].values() if e["name"] == name)
        assert stream["records"] == 3
        assert stream["payload_units"] == 2 + 1 + 1
        assert stream["bytes_in"] == 30 * 1024 + 1 + 2 * (len(b"small") + 1)
    finally:
        kinesis.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
