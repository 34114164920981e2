"""Function logs reach CloudWatch Logs (moto), where `aws logs` on the endpoint reads them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from lambda_runtime_support import FIXTURES, function_resource
from moto import mock_aws

from stratus.local.core.settings import LocalSettings
from stratus.local.iam.credentials import CredentialStore
from stratus.local.lambda_runtime import CloudWatchLogSink, LambdaRuntime
from stratus.local.lambda_runtime.logs import _chunks, boto3_logs


@pytest.fixture
def logs_client() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client(
            "logs", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
        )


def test_sink_creates_group_and_stream_and_ships_in_order(logs_client: Any) -> None:
    sink = CloudWatchLogSink(boto3_logs(lambda: logs_client))
    now = int(time.time() * 1000)
    stream = "2026/01/01/[$LATEST]abc"
    sink.put("/aws/lambda/fn", stream, [(now + 2, "second"), (now + 1, "first")])
    sink.put("/aws/lambda/fn", stream, [(now + 3, "third"), (now + 4, "")])
    assert sink.flush(5.0)
    events = logs_client.get_log_events(
        logGroupName="/aws/lambda/fn", logStreamName=stream, startFromHead=True
    )["events"]
    assert [e["message"] for e in events] == ["first", "second", "third"]
    sink.close()


def test_sink_recreates_a_group_that_disappeared(logs_client: Any) -> None:
    sink = CloudWatchLogSink(boto3_logs(lambda: logs_client))
    now = int(time.time() * 1000)
    sink.put("/aws/lambda/gone", "s", [(now, "one")])
    assert sink.flush(5.0)
    logs_client.delete_log_group(logGroupName="/aws/lambda/gone")
    sink.put("/aws/lambda/gone", "s", [(now + 1, "two")])
    assert sink.flush(5.0)
    events = logs_client.get_log_events(logGroupName="/aws/lambda/gone", logStreamName="s")[
        "events"
    ]
    assert [e["message"] for e in events] == ["two"]
    sink.close()


def test_batches_respect_cloudwatch_limits() -> None:
    events = [(i, "x" * 1000) for i in range(2_000)]
    chunks = _chunks(events)
    assert sum(len(c) for c in chunks) == 2_000
    assert all(sum(len(m) + 26 for _, m in c) <= 1_048_576 for c in chunks)


@pytest.mark.anyio
async def test_invocation_logs_are_readable_in_cloudwatch(logs_client: Any, tmp_path: Path) -> None:
    sink = CloudWatchLogSink(boto3_logs(lambda: logs_client))
    runtime = LambdaRuntime(LocalSettings.for_project(tmp_path), CredentialStore(), log_sink=sink)
    runtime.register(function_resource("hello"), FIXTURES / "hello")
    try:
        result = await runtime.invoke("hello", b"{}")
    finally:
        await runtime.aclose()
    assert result.function_error is None
    assert sink.flush(5.0)
    streams = logs_client.describe_log_streams(logGroupName="/aws/lambda/hello")["logStreams"]
    assert len(streams) == 1
    events = logs_client.get_log_events(
        logGroupName="/aws/lambda/hello",
        logStreamName=streams[0]["logStreamName"],
        startFromHead=True,
    )["events"]
    messages = [e["message"] for e in events]
    assert "hello from hello" in messages
    assert messages[-1].startswith("REPORT RequestId: ")
    sink.close()
