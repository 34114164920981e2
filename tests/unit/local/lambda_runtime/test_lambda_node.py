"""Node.js functions run with the Node runtime's handler contract: CommonJS and ES modules,
async and callback handlers, the context, console lines, error shapes and Runtime.* errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from lambda_runtime_support import FIXTURES, function_resource

from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink
from stratus.local.provision.model import Resource

pytestmark = pytest.mark.anyio  # Node 20 is a requirement of the project (README)
NODE = FIXTURES / "node"
LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t[0-9a-f-]{36}\t(INFO|WARN|ERROR)\t(.*)$", re.S
)


def add(runtime: LambdaRuntime, name: str, handler: str, asset: Path = NODE, **props: Any) -> None:
    props.setdefault("Runtime", "nodejs20.x")
    runtime.register(function_resource(name, handler, **props), asset)


async def call(runtime: LambdaRuntime, name: str, event: Any = None) -> tuple[Any, str | None]:
    result = await runtime.invoke(name, json.dumps(event or {}).encode())
    return json.loads(result.payload), result.function_error


async def test_async_handler_result_and_console_lines_in_nodes_format(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add(runtime, "asyncfn", "index.asyncHandler")
    body, error = await call(runtime, "asyncfn", {"a": 1})
    assert error is None and body == {"style": "async", "echo": {"a": 1}}
    lines = [m for m in sink.messages("/aws/lambda/asyncfn") if LINE.match(m)]
    levels = [LINE.match(m).group(1) for m in lines]  # type: ignore[union-attr]
    assert levels == ["INFO", "WARN", "ERROR"]
    assert lines[0].endswith("\tINFO\tinfo line")
    assert any(
        m.startswith("INIT_START Runtime Version: nodejs:20")
        for m in sink.messages("/aws/lambda/asyncfn")
    )


async def test_callback_handler_and_sync_handler_without_callback(runtime: LambdaRuntime) -> None:
    add(runtime, "cb", "index.callback")
    add(runtime, "sync", "index.sync")
    add(runtime, "nowait", "index.callbackLeavesTimer")
    assert await call(runtime, "cb", {"n": 3}) == ({"style": "callback", "n": 3}, None)
    # A non-async handler that never calls back answers null once its event loop is empty.
    assert await call(runtime, "sync") == (None, None)
    # callbackWaitsForEmptyEventLoop = false answers at once despite a pending timer.
    assert await call(runtime, "nowait") == ({"style": "no-wait"}, None)
    assert runtime.stats()["nowait"].timeouts == 0


async def test_worker_stays_warm_between_invocations(runtime: LambdaRuntime) -> None:
    add(runtime, "ctx", "index.context")
    first, _ = await call(runtime, "ctx")
    second, _ = await call(runtime, "ctx")
    assert first["pid"] == second["pid"] and first["awsRequestId"] != second["awsRequestId"]
    assert runtime.stats()["ctx"].cold_starts == 1


async def test_context_fields_and_environment(runtime: LambdaRuntime, settings: Any) -> None:
    settings.ca_pem.parent.mkdir(parents=True, exist_ok=True)
    settings.ca_pem.write_text("")  # as ensure_tls leaves it
    add(runtime, "ctx", "index.context", MemorySize=256)
    body, error = await call(runtime, "ctx")
    assert error is None
    assert body["functionName"] == "ctx" and body["functionVersion"] == "$LATEST"
    assert body["invokedFunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:ctx"
    assert body["memoryLimitInMB"] == "256"
    assert body["logGroupName"] == "/aws/lambda/ctx"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", body["logStreamName"])
    assert 2000 < body["remaining"] <= 3000
    assert body["env"]["NODE_EXTRA_CA_CERTS"] == str(settings.ca_pem)
    assert body["env"]["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x"


async def test_errors_have_the_node_runtimes_shape_and_log_line(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add(runtime, "boom", "index.boom")
    add(runtime, "cberr", "index.callbackError")
    body, error = await call(runtime, "boom")
    assert error == "Unhandled"
    assert body["errorType"] == "TypeError" and body["errorMessage"] == "boom"
    assert body["trace"][0] == "TypeError: boom" and "index.js" in body["trace"][1]
    logged = [m for m in sink.messages("/aws/lambda/boom") if "Invoke Error" in m]
    assert len(logged) == 1
    detail = json.loads(logged[0].split("\tInvoke Error \t", 1)[1])
    assert detail["errorType"] == "TypeError" and detail["stack"][0] == "TypeError: boom"
    body, error = await call(runtime, "cberr")
    assert error == "Unhandled" and body["errorMessage"] == "bad callback"
    assert runtime.stats()["boom"].cold_starts == 1  # the environment survives a handled error


async def test_uncaught_exception_fails_the_invocation_and_recycles_the_environment(
    runtime: LambdaRuntime,
) -> None:
    add(runtime, "uncaught", "index.uncaught")
    body, error = await call(runtime, "uncaught")
    assert error == "Unhandled" and body["errorMessage"] == "thrown later"
    await call(runtime, "uncaught")
    assert runtime.stats()["uncaught"].cold_starts == 2


async def test_timeout_kills_the_node_environment(runtime: LambdaRuntime) -> None:
    add(runtime, "slow", "index.sleep", Timeout=1)
    body, error = await call(runtime, "slow")
    assert error == "Unhandled"
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")


async def test_import_error_and_missing_handler_are_runtime_errors(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    add(runtime, "broken", "broken.handler")
    add(runtime, "missing", "index.nothing")
    add(runtime, "notfn", "index.notAFunction")
    add(runtime, "badname", "index")
    body, error = await call(runtime, "broken")
    assert error == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "Cannot find module 'this-package-was-never-installed'" in body["errorMessage"]
    assert isinstance(body["trace"], list)
    assert any(
        "\tundefined\tERROR\tUncaught Exception \t" in m
        for m in sink.messages("/aws/lambda/broken")
    )
    body, _ = await call(runtime, "missing")
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "index.nothing is undefined or not exported"
    body, _ = await call(runtime, "notfn")
    assert body["errorMessage"] == "index.notAFunction is not a function"
    body, _ = await call(runtime, "badname")
    assert body["errorType"] == "Runtime.MalformedHandlerName"


async def test_es_modules_and_nested_handlers(runtime: LambdaRuntime) -> None:
    add(runtime, "esm", "esm/app.handler")
    add(runtime, "nested", "index.nested.deep.handler")
    assert await call(runtime, "esm") == ({"esm": True, "base": "b.txt"}, None)
    assert await call(runtime, "nested") == ("nested", None)


async def test_node_layers_resolve_through_node_path(
    runtime: LambdaRuntime, tmp_path: Path
) -> None:
    layer = tmp_path / "layer"
    dep = layer / "nodejs" / "node_modules" / "layered-dep"
    dep.mkdir(parents=True)
    (dep / "index.js").write_text("exports.name = 'from-layer';\n")
    arn = "arn:aws:lambda:us-east-1:000000000000:layer:deps:1"
    runtime.register_layer(Resource("S", "Deps", "AWS::Lambda::LayerVersion", {}, arn), layer)
    add(runtime, "layered", "layered.handler", Layers=[arn])
    assert await call(runtime, "layered") == ({"layered": "from-layer"}, None)


async def test_inline_node_code_is_index_js(runtime: LambdaRuntime) -> None:
    source = "exports.handler = async (event) => ({ inline: 'node', n: event.n });\n"
    runtime.register(
        function_resource(
            "inlinejs", "index.handler", Runtime="nodejs20.x", Code={"ZipFile": source}
        ),
        None,
    )
    assert await call(runtime, "inlinejs", {"n": 2}) == ({"inline": "node", "n": 2}, None)


async def test_json_log_format_for_node(runtime: LambdaRuntime, sink: MemoryLogSink) -> None:
    add(runtime, "jsonlogs", "index.asyncHandler", LoggingConfig={"LogFormat": "JSON"})
    await call(runtime, "jsonlogs")
    records = [json.loads(m) for m in sink.messages("/aws/lambda/jsonlogs")]
    app = [r for r in records if "level" in r]
    assert [r["level"] for r in app] == ["INFO", "WARN", "ERROR"]
    assert app[0]["message"] == "info line" and re.fullmatch(r"[0-9a-f-]{36}", app[0]["requestId"])
    assert {r["type"] for r in records if "type" in r} >= {"platform.start", "platform.report"}
