"""The runtime runs handlers the way Lambda does: environment, context, warm reuse, errors,
timeouts, concurrency, Event invocations and logs."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
from typing import Any

import pytest
from lambda_runtime_support import FIXTURES, ROLE_ARN, ROLE_POLICY, function_resource

from stratus.local.core.contracts import FunctionNotFoundError, TooManyRequestsError
from stratus.local.iam.credentials import CredentialStore
from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink

pytestmark = pytest.mark.anyio


def add(
    runtime: LambdaRuntime, name: str, asset: str, handler: str = "app.handler", **props: Any
) -> None:
    runtime.register(function_resource(name, handler, **props), FIXTURES / asset)


async def call(
    runtime: LambdaRuntime, name: str, event: Any = None, **kw: Any
) -> tuple[Any, str | None]:
    result = await runtime.invoke(name, json.dumps(event or {}).encode(), **kw)
    return json.loads(result.payload), result.function_error


def pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_hello_returns_the_handlers_result(runtime: LambdaRuntime) -> None:
    add(runtime, "hello", "hello")
    body, error = await call(runtime, "hello", {"x": 1})
    assert error is None
    assert body["echo"] == {"x": 1}


async def test_function_sees_lambdas_environment_and_a_complete_context(
    runtime: LambdaRuntime, credentials: CredentialStore
) -> None:
    add(
        runtime,
        "introspect",
        "introspect",
        MemorySize=256,
        Environment={"Variables": {"TABLE": "todos", "DEBUG": True}},
    )
    os.environ["STRATUS_HOST_ONLY_MARKER"] = "leak"
    try:
        body, error = await call(
            runtime,
            "introspect",
            client_context=base64.b64encode(b'{"custom": {"k": "v"}}').decode(),
        )
    finally:
        del os.environ["STRATUS_HOST_ONLY_MARKER"]
    assert error is None
    env, ctx = body["env"], body["context"]
    arn = "arn:aws:lambda:us-east-1:000000000000:function:introspect"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "introspect"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert env["TZ"] == ":UTC" and env["HOME"] == "/tmp"
    assert env["TABLE"] == "todos" and env["DEBUG"] == "true"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/introspect"
    assert re.fullmatch(
        r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"]
    )
    assert "STRATUS_HOST_ONLY_MARKER" not in env  # a clean environment, not the host's
    principal = credentials.lookup(env["AWS_ACCESS_KEY_ID"])
    assert (
        principal is not None and principal.kind == "function" and principal.subject == "introspect"
    )
    assert principal.role_arn == ROLE_ARN and principal.policies == [ROLE_POLICY]
    assert principal.secret_access_key == env["AWS_SECRET_ACCESS_KEY"]
    assert ctx["function_name"] == "introspect" and ctx["function_version"] == "$LATEST"
    assert ctx["invoked_function_arn"] == arn
    assert ctx["memory_limit_in_mb"] == "256"
    assert re.fullmatch(r"[0-9a-f-]{36}", ctx["aws_request_id"])
    assert ctx["log_group_name"] == "/aws/lambda/introspect"
    assert ctx["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert ctx["client_custom"] == {"k": "v"}
    first, second = body["remaining"]
    assert 2500 < first <= 3000 and second <= first - 40
    # The asset's own `stratus` package wins over the host's, and cwd is the asset.
    assert body["stratus_origin"] == "asset"
    assert body["cwd"] == str(FIXTURES / "introspect")
    assert not any(p.endswith("lambda_runtime") for p in body["sys_path"])


async def test_function_is_found_by_arn_qualified_arn_and_logical_id(
    runtime: LambdaRuntime,
) -> None:
    add(runtime, "hello", "hello")
    arn = "arn:aws:lambda:us-east-1:000000000000:function:hello"
    for ref in (arn, f"{arn}:$LATEST", "TestStack/HelloFn", "hello:$LATEST"):
        _, error = await call(runtime, ref)
        assert error is None, ref
    with pytest.raises(FunctionNotFoundError):
        await call(runtime, "nobody")


async def test_second_call_reuses_the_warm_worker(runtime: LambdaRuntime) -> None:
    add(runtime, "hello", "hello")
    first, _ = await call(runtime, "hello")
    second, _ = await call(runtime, "hello")
    assert first["pid"] == second["pid"]
    stats = runtime.stats()["hello"]
    assert stats.cold_starts == 1 and len(stats.init_durations_ms) == 1
    assert stats.invocations == 2 and stats.workers == 1


async def test_unhandled_exception_returns_lambdas_error_shape_and_worker_survives(
    runtime: LambdaRuntime,
) -> None:
    add(runtime, "crash", "crash")
    body, error = await call(runtime, "crash", {"n": 7})
    assert error == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "boom 7"
    assert re.fullmatch(r"[0-9a-f-]{36}", body["requestId"])
    assert any('app.py", line 8, in handler' in frame for frame in body["stackTrace"])
    assert not any("bootstrap.py" in frame for frame in body["stackTrace"])
    await call(runtime, "crash")
    assert runtime.stats()["crash"].cold_starts == 1


async def test_process_exit_is_runtime_exit_error_and_next_call_cold_starts(
    runtime: LambdaRuntime,
) -> None:
    add(runtime, "exits", "crash", "app.exit_process")
    body, error = await call(runtime, "exits")
    assert error == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith("Runtime exited with error: exit status 3")
    await call(runtime, "exits")
    assert runtime.stats()["exits"].cold_starts == 2


async def test_import_failure_is_runtime_import_module_error(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add(runtime, "broken", "broken")
    body, error = await call(runtime, "broken")
    assert error == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == (
        "Unable to import module 'app': No module named 'this_dependency_was_never_bundled'"
    )
    assert any(
        m.startswith("[ERROR] Runtime.ImportModuleError")
        for m in sink.messages("/aws/lambda/broken")
    )


async def test_missing_handler_function_is_handler_not_found(runtime: LambdaRuntime) -> None:
    add(runtime, "nohandler", "hello", "app.nothing_here")
    body, error = await call(runtime, "nohandler")
    assert error == "Unhandled"
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "Handler 'nothing_here' missing on module 'app'"


async def test_unserialisable_result_is_marshal_error_but_decimals_are_numbers(
    runtime: LambdaRuntime,
) -> None:
    add(runtime, "sets", "hello", "app.unserialisable")
    add(runtime, "decimals", "hello", "app.decimals")
    body, error = await call(runtime, "sets")
    assert error == "Unhandled"
    assert body["errorType"] == "Runtime.MarshalError"
    assert (
        body["errorMessage"]
        == "Unable to marshal response: Object of type set is not JSON serializable"
    )
    body, error = await call(runtime, "decimals")
    assert error is None and body == {"count": 3, "ratio": 1.5}


async def test_timeout_kills_the_worker_and_reports_lambdas_message(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add(runtime, "sleepy", "sleepy", Timeout=1)
    warm, _ = await call(runtime, "sleepy")
    body, error = await call(runtime, "sleepy", {"sleep": 5})
    assert error == "Unhandled"
    assert list(body) == ["errorMessage"]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [0-9a-f-]{36} Task timed out after 1\.00 seconds",
        body["errorMessage"],
    )
    await wait_for(lambda: pid_gone(warm["pid"]))
    after, error = await call(runtime, "sleepy")
    assert error is None and after["pid"] != warm["pid"]
    assert runtime.stats()["sleepy"].timeouts == 1
    logs = sink.messages("/aws/lambda/sleepy")
    assert "sleeping 5" in logs  # printed before the kill, still shipped
    assert any(m.endswith("Task timed out after 1.00 seconds") for m in logs)


async def test_reserved_concurrency_throttles_the_second_concurrent_call(
    runtime: LambdaRuntime,
) -> None:
    add(runtime, "sleepy", "sleepy", ReservedConcurrentExecutions=1)
    results = await asyncio.gather(
        call(runtime, "sleepy", {"sleep": 0.3}),
        call(runtime, "sleepy", {"sleep": 0.3}),
        return_exceptions=True,
    )
    throttled = [r for r in results if isinstance(r, TooManyRequestsError)]
    assert len(throttled) == 1
    assert (
        getattr(throttled[0], "reason", None) == "ReservedFunctionConcurrentInvocationLimitExceeded"
    )
    assert runtime.stats()["sleepy"].throttles == 1


async def test_reserved_concurrency_zero_always_throttles(runtime: LambdaRuntime) -> None:
    add(runtime, "off", "hello", ReservedConcurrentExecutions=0)
    with pytest.raises(TooManyRequestsError):
        await call(runtime, "off")


async def test_concurrent_calls_under_the_limit_get_separate_workers(
    runtime: LambdaRuntime,
) -> None:
    add(runtime, "sleepy", "sleepy")
    results = await asyncio.gather(*(call(runtime, "sleepy", {"sleep": 0.2}) for _ in range(3)))
    assert len({body["pid"] for body, _ in results}) == 3
    assert runtime.stats()["sleepy"].workers == 3


async def test_event_invocation_returns_202_and_runs_in_background(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add(runtime, "hello", "hello")
    result = await runtime.invoke("hello", b'{"async": true}', invocation_type="Event")
    assert result.status_code == 202 and result.payload == b""
    await wait_for(lambda: "hello from hello" in sink.messages("/aws/lambda/hello"))


async def test_failed_event_is_retried_twice(runtime: LambdaRuntime, sink: MemoryLogSink) -> None:
    add(runtime, "crash", "crash")
    await runtime.invoke("crash", b"{}", invocation_type="Event")
    await wait_for(lambda: runtime.stats()["crash"].invocations == 3)

    def starts() -> list[str]:
        return [m for m in sink.messages("/aws/lambda/crash") if m.startswith("START")]

    # An attempt is counted when it begins; its log lines come when it ends (a cold start,
    # slower on a loaded machine).
    await wait_for(lambda: len(starts()) >= 3)
    await asyncio.sleep(0.2)
    assert runtime.stats()["crash"].invocations == 3
    assert len(starts()) == 3 and len(set(starts())) == 1  # the same request id each attempt


async def test_throttled_event_is_queued_not_dropped(runtime: LambdaRuntime) -> None:
    add(runtime, "sleepy", "sleepy", ReservedConcurrentExecutions=1)
    busy = asyncio.ensure_future(call(runtime, "sleepy", {"sleep": 0.3}))
    await wait_for(lambda: runtime.stats()["sleepy"].invocations == 1)
    result = await runtime.invoke("sleepy", b"{}", invocation_type="Event")
    assert result.status_code == 202
    await busy
    await wait_for(lambda: runtime.stats()["sleepy"].invocations == 2)


async def test_logs_carry_lambdas_start_end_report_lines_and_tail(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add(runtime, "hello", "hello", MemorySize=512)
    result = await runtime.invoke("hello", b"{}", log_type="Tail")
    assert result.log_result is not None
    tail = base64.b64decode(result.log_result).decode()
    assert "hello from hello" in tail
    streams = sink.streams["/aws/lambda/hello"]
    assert len(streams) == 1
    messages = [m for _, m in next(iter(streams.values()))]
    request_id = getattr(result, "request_id", "")
    assert messages[0] == "INIT_START Runtime Version: python:3.11"
    assert f"START RequestId: {request_id} Version: $LATEST" in messages
    assert f"END RequestId: {request_id}" in messages
    report = messages[-1]
    assert re.fullmatch(
        rf"REPORT RequestId: {request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 512 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms",
        report,
    )
    await runtime.invoke("hello", b"{}")
    assert "Init Duration" not in next(iter(streams.values()))[-1][1]  # warm: no init


async def test_logging_records_are_one_event_with_lambdas_format(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add(runtime, "logs", "hello", "app.with_logging")
    result = await runtime.invoke("logs", b"{}")
    request_id = getattr(result, "request_id", "")
    messages = sink.messages("/aws/lambda/logs")
    record = next(m for m in messages if m.startswith("[WARNING]"))
    assert re.fullmatch(
        rf"\[WARNING\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}"
        r"\tcareful\nsecond line",
        record,
    )
    await wait_for(lambda: "raw fd output" in sink.messages("/aws/lambda/logs"))


async def test_aclose_kills_every_worker(
    settings: Any, credentials: CredentialStore, sink: MemoryLogSink
) -> None:
    rt = LambdaRuntime(settings, credentials, log_sink=sink)
    rt.register(function_resource("hello", "app.handler"), FIXTURES / "hello")
    body, _ = await call(rt, "hello")
    await rt.aclose()
    assert pid_gone(body["pid"])


async def test_redeploy_replaces_warm_workers(runtime: LambdaRuntime) -> None:
    add(runtime, "hello", "hello")
    before, _ = await call(runtime, "hello")
    add(runtime, "hello", "hello", Environment={"Variables": {"VERSION": "2"}})
    after, _ = await call(runtime, "hello")
    assert after["pid"] != before["pid"]
    await wait_for(lambda: pid_gone(before["pid"]))


async def test_cancelled_invocation_never_leaks_its_result_to_the_next_call(
    runtime: LambdaRuntime,
) -> None:
    add(runtime, "sleepy", "sleepy")
    slow = asyncio.ensure_future(call(runtime, "sleepy", {"sleep": 0.3, "tag": "slow"}))
    await wait_for(lambda: runtime.stats()["sleepy"].invocations == 1)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    _, error = await call(runtime, "sleepy", {"sleep": 0})
    assert error is None
    assert runtime.stats()["sleepy"].cold_starts == 2


async def test_a_spare_environment_becomes_exactly_the_function_it_is_assigned(
    runtime: LambdaRuntime,
) -> None:
    for name, memory, table in (("spare-a", 256, "a"), ("spare-b", 512, "b")):
        add(
            runtime,
            name,
            "introspect",
            MemorySize=memory,
            Environment={"Variables": {"TABLE": table}},
        )
    runtime.start_spares()  # one spare per function
    await wait_for(lambda: runtime.spares.waiting() == 2)
    for name, memory, table in (("spare-a", "256", "a"), ("spare-b", "512", "b")):
        used = runtime.spares.used
        body, error = await call(runtime, name)
        assert error is None
        assert runtime.spares.used == used + 1  # taken from the spare, not spawned
        env, ctx = body["env"], body["context"]
        assert env["AWS_LAMBDA_FUNCTION_NAME"] == name and env["TABLE"] == table
        assert "STRATUS_LAMBDA_SPARE" not in env and "spare" not in json.dumps(body["sys_path"])
        assert ctx["function_name"] == name and ctx["memory_limit_in_mb"] == memory
        assert ctx["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
        assert body["stratus_origin"] == "asset" and body["cwd"] == str(FIXTURES / "introspect")
    # and one waits for the next cold start on this code
    await wait_for(lambda: runtime.spares.waiting() == 1)
