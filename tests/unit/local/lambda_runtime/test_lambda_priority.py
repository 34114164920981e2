"""Workers run below the cloud's CPU priority (lambda_runtime.priority): their own nice
value and, where Linux groups sessions (autogroup), their group's."""

from __future__ import annotations

import json
import os

import pytest
from lambda_runtime_support import FIXTURES, function_resource

from stratus.local.lambda_runtime import LambdaRuntime
from stratus.local.lambda_runtime.priority import ENV, WORKER_NICE, worker_nice

pytestmark = pytest.mark.anyio


async def priority_of_a_new_worker(runtime: LambdaRuntime) -> dict[str, object]:
    runtime.register(function_resource("prio", "app.handler"), FIXTURES / "priority")
    result = await runtime.invoke("prio", b"{}")
    assert result.function_error is None, result.payload
    seen: dict[str, object] = json.loads(result.payload)
    return seen


async def test_a_worker_runs_below_the_cloud(
    runtime: LambdaRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    own = os.getpriority(os.PRIO_PROCESS, 0)
    seen = await priority_of_a_new_worker(runtime)
    assert seen["nice"] == max(own, WORKER_NICE)
    if seen["autogroup"] is not None and own < WORKER_NICE:
        assert str(seen["autogroup"]).endswith(f"nice {WORKER_NICE}")


async def test_stratus_lambda_nice_0_keeps_the_clouds_priority(
    runtime: LambdaRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, "0")
    seen = await priority_of_a_new_worker(runtime)
    assert seen["nice"] == os.getpriority(os.PRIO_PROCESS, 0)


@pytest.mark.parametrize(
    ("raw", "nice"), [("", WORKER_NICE), ("5", 5), ("0", 0), ("40", 19), ("-3", 0), ("x", 10)]
)
def test_the_setting_is_read_and_bounded(
    raw: str, nice: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, raw)
    assert worker_nice() == nice
