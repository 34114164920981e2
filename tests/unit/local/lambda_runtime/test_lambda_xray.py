"""X-Ray in the runtime: an Active function records Lambda's two segments (Initialization on
a cold start only) and sees `_X_AMZN_TRACE_ID` naming its function segment, in the caller's
trace; the daemon's address is in every function's environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from lambda_runtime_support import FIXTURES, function_resource

from stratus.local.core.settings import LocalSettings
from stratus.local.lambda_runtime import LambdaRuntime
from stratus.local.xray import recorder
from stratus.local.xray import store as stores
from stratus.local.xray.header import TraceHeader, new_trace_id, parse

pytestmark = pytest.mark.anyio


@pytest.fixture
def store() -> Iterator[stores.TraceStore]:
    kept = stores.TraceStore()
    stores.set_active(kept)
    yield kept
    stores.set_active(None)


async def _env(runtime: LambdaRuntime, root: str) -> dict[str, Any]:
    recorder.INCOMING.set(TraceHeader(root, "1234567890abcdef", True))
    try:
        result = await runtime.invoke("introspect", b"{}")
    finally:
        recorder.INCOMING.set(None)
    env: dict[str, Any] = json.loads(result.payload)["env"]
    return env


async def test_active_function_joins_the_callers_trace(
    runtime: LambdaRuntime, store: stores.TraceStore, settings: LocalSettings
) -> None:
    resource = function_resource("introspect", TracingConfig={"Mode": "Active"})
    runtime.register(resource, FIXTURES / "introspect")
    cold, warm = new_trace_id(), new_trace_id()
    env = await _env(runtime, cold)
    await _env(runtime, warm)

    assert env["AWS_XRAY_DAEMON_ADDRESS"] == f"127.0.0.1:{settings.ports.get('xray')}"
    header = parse(env["_X_AMZN_TRACE_ID"])
    assert header is not None and header.root == cold and header.sampled is True
    trace = store.get(cold)
    assert trace is not None
    docs = {d["origin"]: d for d in trace.docs}
    service, function = docs["AWS::Lambda"], docs["AWS::Lambda::Function"]
    assert service["parent_id"] == "1234567890abcdef"
    assert function["id"] == header.parent and function["parent_id"] == service["id"]
    assert [s["name"] for s in function["subsegments"]] == [
        "Initialization",
        "Invocation",
        "Overhead",
    ]
    again = store.get(warm)
    assert again is not None
    [warm_function] = [d for d in again.docs if d["origin"] == "AWS::Lambda::Function"]
    assert [s["name"] for s in warm_function["subsegments"]] == ["Invocation", "Overhead"]


async def test_pass_through_function_records_nothing_unless_sampled(
    runtime: LambdaRuntime, store: stores.TraceStore
) -> None:
    runtime.register(function_resource("introspect"), FIXTURES / "introspect")
    result = await runtime.invoke("introspect", b"{}")
    header = parse(json.loads(result.payload)["env"]["_X_AMZN_TRACE_ID"])
    assert header is not None and header.sampled is False
    assert len(store) == 0
