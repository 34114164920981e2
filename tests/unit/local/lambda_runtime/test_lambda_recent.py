"""Recent invocations: a bounded ring per function, newest first, filled where an
invocation finishes (duration, cold start with init, error type, the alias it came by)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from lambda_runtime_support import FIXTURES, function_resource

from stratus.local.lambda_runtime import LambdaRuntime
from stratus.local.lambda_runtime.recent import InvocationRecord, RecentInvocations
from stratus.local.lambda_runtime.runtime import RuntimeInvokeResult


def record(function: str, n: int) -> InvocationRecord:
    return InvocationRecord(
        function=function,
        request_id=f"req-{n}",
        version="$LATEST",
        ended_ms=1_700_000_000_000 + n,
        duration_ms=1.5,
        billed_ms=2,
        init_ms=None,
        error_type=None,
        memory_used_mb=40,
        memory_size_mb=128,
    )


def test_ring_keeps_the_last_n_newest_first() -> None:
    ring = RecentInvocations(per_function=3)
    for n in range(5):
        ring.add(record("fn", n))
    assert [r.request_id for r in ring.of("fn")] == ["req-4", "req-3", "req-2"]
    assert ring.of("other") == []


def test_ring_bounds_the_number_of_functions_dropping_the_least_recently_invoked() -> None:
    ring = RecentInvocations(per_function=2, max_functions=2)
    ring.add(record("a", 1))
    ring.add(record("b", 1))
    ring.add(record("a", 2))  # a is now the most recent
    ring.add(record("c", 1))
    assert ring.of("b") == []
    assert [r.request_id for r in ring.of("a")] == ["req-2", "req-1"]
    assert len(ring.of("c")) == 1


def test_called_as_marks_the_qualifier_of_that_request_only() -> None:
    ring = RecentInvocations()
    ring.add(record("fn", 1))
    ring.add(record("fn", 2))
    ring.called_as("fn", "req-1", "live")
    ring.called_as("fn", "req-9", "live")  # unknown request: nothing changes
    ring.called_as("nope", "req-1", "live")
    assert [(r.request_id, r.qualifier) for r in ring.of("fn")] == [
        ("req-2", None),
        ("req-1", "live"),
    ]


def test_ring_is_safe_across_threads() -> None:
    ring = RecentInvocations(per_function=50)

    def writer(name: str) -> None:
        for n in range(500):
            ring.add(record(name, n))
            ring.of(name)

    threads = [threading.Thread(target=writer, args=(f"fn{i % 2}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ring.of("fn0")) == 50 and len(ring.of("fn1")) == 50


@pytest.mark.anyio
async def test_runtime_records_cold_then_warm_with_durations(runtime: LambdaRuntime) -> None:
    runtime.register(function_resource("hello"), FIXTURES / "hello")
    first = await runtime.invoke("hello", b"{}")
    second = await runtime.invoke("hello", b"{}")
    assert isinstance(first, RuntimeInvokeResult) and isinstance(second, RuntimeInvokeResult)
    newest, oldest = runtime.recent("hello")
    assert newest.request_id == second.request_id and oldest.request_id == first.request_id
    assert oldest.cold and oldest.init_ms is not None and oldest.init_ms > 0
    assert not newest.cold and newest.init_ms is None
    for r in (newest, oldest):
        assert r.duration_ms > 0 and r.billed_ms >= r.duration_ms
        assert r.error_type is None and r.version == "$LATEST" and r.memory_size_mb == 128


@pytest.mark.anyio
async def test_runtime_records_the_error_type_and_the_alias_called(
    runtime: LambdaRuntime, tmp_path: Path
) -> None:
    runtime.register(function_resource("hello"), FIXTURES / "hello")
    runtime.publish_version("hello")
    runtime.put_alias("hello", "live", "1")
    ok = await runtime.invoke("hello:live", b"{}")
    runtime.register(function_resource("broken"), FIXTURES / "broken")
    failed = await runtime.invoke("broken", b"{}")
    assert isinstance(ok, RuntimeInvokeResult)
    [via_alias] = runtime.recent("hello")
    assert via_alias.request_id == ok.request_id
    assert (via_alias.version, via_alias.qualifier) == ("1", "live")
    [broken] = runtime.recent("broken")
    assert failed.function_error == "Unhandled"
    assert broken.error_type == json.loads(failed.payload)["errorType"]
    assert (broken.error_type or "").startswith("Runtime.")


def test_error_type_of_each_ending() -> None:
    from stratus.local.lambda_runtime.recent import error_type
    from stratus.local.lambda_runtime.worker import Outcome

    raised = b'{"errorType": "KeyError", "errorMessage": "x"}'
    assert error_type(Outcome("error", raised), raised) == "KeyError"
    assert error_type(Outcome("timeout"), b'{"errorMessage": "...timed out"}') == "Task timed out"
    assert error_type(Outcome("ok"), b"not json") == "Unhandled"
