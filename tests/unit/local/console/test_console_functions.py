"""The Functions pages: every function with its configuration and counters; per function
versions, aliases with weights, recent invocations, and its log lines with a tail cursor
(read from CloudWatch Logs, here moto's)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from starlette.applications import Starlette
from starlette.testclient import TestClient

from stratus.local.console import app as console_app
from stratus.local.console import logtail
from stratus.local.core.settings import LocalSettings
from stratus.local.iam.credentials import CredentialStore
from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink
from stratus.local.lambda_runtime.recent import InvocationRecord
from stratus.local.lambda_runtime.service import LambdaService
from stratus.local.provision.model import Deployment, Resource, Stack

GROUP = "/aws/lambda/notes-fn"
NOW = int(time.time() * 1000)  # CloudWatch Logs refuses events older than 14 days
ARN = "arn:aws:lambda:us-east-1:000000000000:function:notes-fn"


def _function(tmp_path: Path) -> Resource:
    code = tmp_path / "code"
    code.mkdir(exist_ok=True)
    (code / "app.py").write_text("def handler(event, context):\n    return 1\n")
    return Resource(
        stack="AppStack",
        logical_id="NotesFn",
        type="AWS::Lambda::Function",
        properties={
            "FunctionName": "notes-fn",
            "Handler": "app.handler",
            "Runtime": "python3.11",
            "MemorySize": 256,
            "Architectures": ["arm64"],
            "ReservedConcurrentExecutions": 3,
        },
        physical_id="notes-fn",
        attributes={"Arn": ARN},
    )


def _record(n: int, **kw: Any) -> InvocationRecord:
    values: dict[str, Any] = {
        "function": "notes-fn",
        "request_id": f"req-{n}",
        "version": "$LATEST",
        "ended_ms": 1_764_540_000_000 + n * 1000,
        "duration_ms": 12.345,
        "billed_ms": 13,
        "init_ms": None,
        "error_type": None,
        "memory_used_mb": 61,
        "memory_size_mb": 256,
        **kw,
    }
    return InvocationRecord(**values)


@pytest.fixture
def logs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("logs", region_name="us-east-1")


@pytest.fixture
def runtime(tmp_path: Path) -> LambdaRuntime:
    settings = LocalSettings.for_project(tmp_path)
    rt = LambdaRuntime(settings, CredentialStore(), log_sink=MemoryLogSink())
    rt.register(_function(tmp_path), tmp_path / "code")
    rt.publish_version("notes-fn")
    rt.put_alias("notes-fn", "live", "1", weights=[("$LATEST", 0.1)])
    rt.recent_invocations.add(_record(1, init_ms=321.5))
    rt.recent_invocations.add(_record(2, version="1", error_type="Task timed out"))
    rt.recent_invocations.called_as("notes-fn", "req-2", "live")
    return rt


def client(tmp_path: Path, runtime: LambdaRuntime | None, logs: Any) -> TestClient:
    service = LambdaService()
    service.runtime = runtime

    def find(kind: type) -> Any:
        if isinstance(service, kind):
            return service
        raise LookupError(kind.__name__)

    mapping = Resource(
        "AppStack",
        "NotesQueueSource",
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": "notes-fn",
            "EventSourceArn": "arn:aws:sqs:us-east-1:000000000000:notes-queue",
            "BatchSize": 10,
        },
        "uuid-1",
    )
    deployment = Deployment()
    cloud = SimpleNamespace(
        settings=LocalSettings.for_project(tmp_path),
        deployment=deployment,
        aws=lambda name: logs,
        service=find,
    )
    stack = Stack("AppStack", Path("t.json"))
    stack.resources["NotesQueueSource"] = mapping
    deployment.stacks["AppStack"] = stack
    gateway = Starlette(routes=console_app.console_routes(cloud))  # type: ignore[arg-type]
    return TestClient(gateway, client=("127.0.0.1", 1), follow_redirects=False)


def _put(logs: Any, stream: str, events: list[tuple[int, str]]) -> None:
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=GROUP)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": ts, "message": m} for ts, m in events],
    )


def test_index_lists_functions_with_config_and_counters(
    tmp_path: Path, runtime: LambdaRuntime, logs: Any
) -> None:
    response = client(tmp_path, runtime, logs).get("/console/functions")
    assert response.status_code == 200
    row = response.text.split('data-function="notes-fn"', 1)[1].split("</tr>", 1)[0]
    for text in ('href="/console/functions/notes-fn"', "python3.11", "256 MB", "arm64"):
        assert text in row
    assert "app.handler" in row and 'href="/console/stacks/AppStack"' in row


def test_index_without_a_lambda_service_is_empty(tmp_path: Path, logs: Any) -> None:
    response = client(tmp_path, None, logs).get("/console/functions")
    assert response.status_code == 200
    assert "No Lambda function runs" in response.text


def test_function_page_shows_versions_aliases_and_recent_invocations(
    tmp_path: Path, runtime: LambdaRuntime, logs: Any
) -> None:
    response = client(tmp_path, runtime, logs).get("/console/functions/notes-fn")
    assert response.status_code == 200
    text = response.text
    assert "Reserved concurrency</th><td>3</td>" in text
    versions = text.split('id="versions"', 1)[1].split("</table>", 1)[0]
    assert "<td>$LATEST</td>" in versions and "<td>1</td>" in versions
    alias = text.split('data-alias="live"', 1)[1].split("</tr>", 1)[0]
    assert "version 1: 90%, version $LATEST: 10%" in alias
    mapping = text.split('id="mappings"', 1)[1].split("</table>", 1)[0]
    assert (
        'href="/console/queues/notes-queue?region=us-east-1"' in mapping
        and "<td>10</td>" in mapping
    )
    newest = text.split('data-request-id="req-2"', 1)[1].split("</tr>", 1)[0]
    assert "12.35 ms" in newest and "13 ms" in newest and "warm" in newest
    assert "1 via live" in newest and "Task timed out" in newest and "61 / 256 MB" in newest
    oldest = text.split('data-request-id="req-1"', 1)[1].split("</tr>", 1)[0]
    assert "cold, init 321.50 ms" in oldest
    assert text.index('data-request-id="req-2"') < text.index('data-request-id="req-1"')
    assert "No log lines yet." in text  # the group does not exist yet


def test_function_page_shows_the_latest_log_lines_escaped(
    tmp_path: Path, runtime: LambdaRuntime, logs: Any
) -> None:
    _put(logs, "a", [(NOW + 1, "START RequestId: r1"), (NOW + 3, "<b>bold</b> line")])
    _put(logs, "b", [(NOW + 2, "from the other stream")])
    text = client(tmp_path, runtime, logs).get("/console/functions/notes-fn").text
    log = text.split('id="log"', 1)[1].split("</pre>", 1)[0]
    assert f'data-cursor="{NOW + 3}"' in log
    assert log.index("START RequestId") < log.index("other stream") < log.index("bold")
    assert "&lt;b&gt;bold&lt;/b&gt; line" in log and "<b>" not in log
    assert "/console/static/functions.js" in text


def test_logs_endpoint_answers_lines_since_the_cursor(
    tmp_path: Path, runtime: LambdaRuntime, logs: Any
) -> None:
    c = client(tmp_path, runtime, logs)
    old, new = NOW - 100_000, NOW
    _put(logs, "a", [(old, "old"), (new, "new one")])
    data = c.get(f"/console/functions/notes-fn/logs?after={new - 10}").json()
    assert [e["message"] for e in data["events"]] == ["new one"]
    assert data["cursor"] == new and data["group"] == GROUP
    again = c.get(f"/console/functions/notes-fn/logs?after={data['cursor']}").json()
    # Read again within the lag (late lines); the page drops the ids it shows.
    assert [e["id"] for e in again["events"]] == [data["events"][0]["id"]]
    assert again["cursor"] == new


def test_logs_endpoint_of_a_function_without_logs_is_empty(
    tmp_path: Path, runtime: LambdaRuntime, logs: Any
) -> None:
    data = client(tmp_path, runtime, logs).get("/console/functions/notes-fn/logs?after=5").json()
    assert (data["group"], data["events"], data["cursor"]) == (GROUP, [], 5)


def test_logs_endpoint_answers_invocations_ended_since_their_cursor(
    tmp_path: Path, runtime: LambdaRuntime, logs: Any
) -> None:
    c = client(tmp_path, runtime, logs)
    second = runtime.recent("notes-fn")[0].ended_ms
    data = c.get(f"/console/functions/notes-fn/logs?invoked_after={second}").json()
    [only] = data["invocations"]
    assert only["request_id"] == "req-2" and only["cells"][3] == "12.35 ms"
    assert data["invoked_cursor"] == second
    runtime.recent_invocations.add(_record(3))
    newer = c.get(f"/console/functions/notes-fn/logs?invoked_after={second + 1}").json()
    assert [r["request_id"] for r in newer["invocations"]] == ["req-3"]
    assert newer["invoked_cursor"] == runtime.recent("notes-fn")[0].ended_ms


@pytest.mark.parametrize("after", ["-1", "abc", "1e9", "9" * 40, "1.5"])
def test_bad_cursor_is_a_400_page(
    tmp_path: Path, runtime: LambdaRuntime, logs: Any, after: str
) -> None:
    c = client(tmp_path, runtime, logs)
    for key in ("after", "invoked_after"):
        response = c.get(f"/console/functions/notes-fn/logs?{key}={after}")
        assert response.status_code == 400
        assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/console/functions/nope",
        "/console/functions/nope/logs",
        "/console/functions/..%2F..%2Fstacks",
        "/console/functions/" + "f" * 3000,
        "/console/functions/" + ARN,
    ],
)
def test_unknown_function_is_a_404_page(
    tmp_path: Path, runtime: LambdaRuntime, logs: Any, path: str
) -> None:
    response = client(tmp_path, runtime, logs).get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.text


def test_full_page_of_lines_moves_the_cursor_past_the_lag() -> None:
    lines = [logtail.LogLine(str(n), 1000 + n, "s", "m") for n in range(3)]
    assert logtail.cursor_of(lines, 0, limit=3) == 1002 + logtail.LAG_MS
    assert logtail.cursor_of(lines, 0, limit=4) == 1002
    assert logtail.cursor_of([], 5000) == 5000
    assert json.dumps(lines[0].to_json())
