"""An init that outlives the init phase's limit goes on in the first invocation's time, as
Lambda retries it there with the function's timeout
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html); only an
init that outlives that too fails, as a timeout."""

from __future__ import annotations

import json
import re
import time

import pytest
from lambda_runtime_support import FIXTURES, function_resource

from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink
from stratus.local.lambda_runtime import runtime as runtime_module

pytestmark = pytest.mark.anyio
PHASE_LIMIT_S = 0.4


@pytest.fixture(autouse=True)
def short_init_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime_module, "INIT_TIMEOUT_S", PHASE_LIMIT_S)


def add_slow_init(runtime: LambdaRuntime, name: str, init_s: float, timeout_s: int) -> None:
    resource = function_resource(
        name, Timeout=timeout_s, Environment={"Variables": {"INIT_SLEEP": str(init_s)}}
    )
    runtime.register(resource, FIXTURES / "slowinit")


def messages(sink: MemoryLogSink, name: str) -> list[str]:
    return sink.messages(f"/aws/lambda/{name}")


async def test_an_init_past_the_phase_limit_finishes_in_the_invocations_time(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add_slow_init(runtime, "slow", init_s=1.0, timeout_s=3)
    result = await runtime.invoke("slow", b"{}")
    assert result.function_error is None, result.payload
    body = json.loads(result.payload)
    # The init's time past the phase's limit came out of the function's timeout.
    assert body["remaining_ms"] < 3000 - 500
    logs = messages(sink, "slow")
    report = logs.index(next(m for m in logs if m.startswith("INIT_REPORT")))
    assert re.fullmatch(r"INIT_REPORT Init Duration: \d+\.\d\d ms\tPhase: init\tStatus: timeout",
                        logs[report])  # fmt: skip
    # The init's own lines: "init done" came after the phase's end, so after START; "init
    # begins" before the report, or after START too when the worker's interpreter took
    # longer than the phase's limit to start (a loaded machine).
    assert report < logs.index("init done")
    assert logs.index("init begins") < logs.index("init done")
    assert logs[report + 1].startswith("START RequestId:")
    final = logs[-1]
    assert final.startswith("REPORT RequestId:") and "Init Duration" not in final
    duration_ms = float(re.search(r"\tDuration: (\d+\.\d\d) ms", final).group(1))  # type: ignore[union-attr]
    assert duration_ms >= (1.0 - PHASE_LIMIT_S) * 1000 * 0.9  # the late init is billed
    # The environment stays warm: the next call neither waits nor imports again.
    again = await runtime.invoke("slow", b"{}")
    assert json.loads(again.payload)["pid"] == body["pid"]
    assert messages(sink, "slow").count("init begins") == 1


async def test_an_init_past_the_function_timeout_too_is_a_timeout(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add_slow_init(runtime, "stuck", init_s=30, timeout_s=1)
    began = time.monotonic()
    result = await runtime.invoke("stuck", b"{}")
    took = time.monotonic() - began
    assert result.function_error == "Unhandled"
    assert "Task timed out after 1.00 seconds" in json.loads(result.payload)["errorMessage"]
    assert PHASE_LIMIT_S + 1 <= took < PHASE_LIMIT_S + 1 + 2
    logs = messages(sink, "stuck")
    assert any(m.startswith("INIT_REPORT") and m.endswith("Status: timeout") for m in logs)
    assert runtime.stats()["stuck"].timeouts == 1


async def test_an_init_within_the_limit_reports_its_init_duration(
    runtime: LambdaRuntime, sink: MemoryLogSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lambda's own 10 s: on a loaded machine the interpreter alone may outlast 0.4 s.
    monkeypatch.setattr(runtime_module, "INIT_TIMEOUT_S", 10.0)
    add_slow_init(runtime, "quick", init_s=0, timeout_s=3)
    result = await runtime.invoke("quick", b"{}")
    assert result.function_error is None
    logs = messages(sink, "quick")
    assert not any(m.startswith("INIT_REPORT") for m in logs)
    assert "Init Duration" in logs[-1]


async def test_json_logs_carry_the_phases_timeout_as_platform_init_report(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    resource = function_resource(
        "slowjson",
        Timeout=3,
        Environment={"Variables": {"INIT_SLEEP": "0.8"}},
        LoggingConfig={"LogFormat": "JSON"},
    )
    runtime.register(resource, FIXTURES / "slowinit")
    assert (await runtime.invoke("slowjson", b"{}")).function_error is None
    records = [json.loads(m) for m in messages(sink, "slowjson") if m.startswith("{")]
    [init_report] = [r for r in records if r.get("type") == "platform.initReport"]
    assert init_report["record"]["phase"] == "init"
    assert init_report["record"]["status"] == "timeout"
    assert init_report["record"]["metrics"]["durationMs"] >= PHASE_LIMIT_S * 1000
    [report] = [r for r in records if r.get("type") == "platform.report"]
    assert "initDurationMs" not in report["record"]["metrics"]
