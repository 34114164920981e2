"""Versions are immutable snapshots, aliases route by weight, qualifiers are honoured, layers
and inline code run, and a runtime mismatch is reported once."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from lambda_runtime_support import function_resource

from stratus.local.core.contracts import FunctionNotFoundError
from stratus.local.core.settings import LocalSettings
from stratus.local.iam.credentials import CredentialStore
from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink
from stratus.local.lambda_runtime.recorded import (
    FunctionProvider,
    FunctionVersionProvider,
    LayerVersionProvider,
)
from stratus.local.lambda_runtime.store import LambdaStore
from stratus.local.provision.model import Deployment, Resource, Stack
from stratus.local.provision.provider import ProviderContext

pytestmark = pytest.mark.anyio

REPORTER = """
import os

def handler(event, context):
    return {
        "code": %r,
        "env_version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
        "context_version": context.function_version,
        "invoked": context.invoked_function_arn,
        "stream": context.log_stream_name,
        "color": os.environ.get("COLOR"),
    }
"""
ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn"


def write_code(directory: Path, label: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "app.py").write_text(REPORTER % label)
    return directory


async def call(runtime: LambdaRuntime, ref: str) -> tuple[dict[str, Any], str]:
    result = await runtime.invoke(ref, b"{}")
    assert result.function_error is None, result.payload
    return json.loads(result.payload), result.executed_version


async def test_each_version_runs_its_own_code_and_configuration_snapshot(
    runtime: LambdaRuntime, sink: MemoryLogSink, tmp_path: Path
) -> None:
    code = write_code(tmp_path / "code", "one")
    runtime.register(function_resource("fn", Environment={"Variables": {"COLOR": "red"}}), code)
    assert runtime.publish_version("fn") == "1"
    assert runtime.publish_version("fn") == "1"  # unchanged: no new number
    write_code(code, "two")  # the asset changes in place after publishing
    runtime.register(function_resource("fn", Environment={"Variables": {"COLOR": "blue"}}), code)
    assert runtime.publish_version("fn") == "2"

    body, executed = await call(runtime, "fn:1")
    assert (body["code"], body["color"], executed) == ("one", "red", "1")
    assert body["env_version"] == body["context_version"] == "1"
    assert body["invoked"] == f"{ARN}:1"
    assert "/[1]" in body["stream"]
    body, executed = await call(runtime, f"{ARN}:2")
    assert (body["code"], body["color"], executed) == ("two", "blue", "2")
    body, executed = await call(runtime, "fn")
    assert (body["code"], executed, body["invoked"]) == ("two", "$LATEST", ARN)
    assert "/[$LATEST]" in body["stream"]
    starts = [m for m in sink.messages("/aws/lambda/fn") if m.startswith("START")]
    assert any(m.endswith("Version: 1") for m in starts)
    assert any(m.endswith("Version: $LATEST") for m in starts)
    stats = runtime.stats()
    assert stats["fn:1"].cold_starts == 1 and stats["fn"].cold_starts == 1  # pools per version


async def test_unknown_version_or_alias_is_not_found(
    runtime: LambdaRuntime, tmp_path: Path
) -> None:
    runtime.register(function_resource("fn"), write_code(tmp_path / "code", "one"))
    for ref in ("fn:7", f"{ARN}:7", "fn:nope", f"{ARN}:nope"):
        with pytest.raises(FunctionNotFoundError):
            await runtime.invoke(ref, b"{}")


async def test_weighted_alias_splits_invocations_by_weight(
    settings: LocalSettings, credentials: CredentialStore, tmp_path: Path
) -> None:
    runtime = LambdaRuntime(
        settings, credentials, log_sink=MemoryLogSink(), rng=random.Random(1234)
    )
    try:
        code = write_code(tmp_path / "code", "one")
        runtime.register(function_resource("fn"), code)
        runtime.publish_version("fn")
        runtime.register(function_resource("fn"), write_code(code, "two"))
        runtime.publish_version("fn")
        runtime.put_alias("fn", "live", "1", weights=[("2", 0.25)])
        executed = [(await call(runtime, "fn:live"))[1] for _ in range(200)]
        share = executed.count("2") / len(executed)
        assert 0.17 < share < 0.33, share
        body, _ = await call(runtime, f"{ARN}:live")
        assert body["invoked"] == f"{ARN}:live"
    finally:
        await runtime.aclose()


async def test_versions_survive_a_restart_with_the_same_numbers(
    settings: LocalSettings, credentials: CredentialStore, tmp_path: Path
) -> None:
    code = write_code(tmp_path / "code", "one")
    first = LambdaRuntime(settings, credentials, log_sink=MemoryLogSink())
    first.register(function_resource("fn"), code)
    assert first.publish_version("fn") == "1"
    await first.aclose()
    write_code(code, "two")  # edited while the cloud was down
    second = LambdaRuntime(settings, credentials, log_sink=MemoryLogSink())
    try:
        second.register(function_resource("fn"), code)
        version = Resource(
            stack="TestStack",
            logical_id="FnVersion1",
            type="AWS::Lambda::Version",
            properties={"FunctionName": "fn"},
            physical_id=f"{ARN}:1",
            attributes={"Version": "1"},
        )
        second.register_version(version)
        body, executed = await call(second, "TestStack/FnVersion1")
        assert (body["code"], executed) == ("one", "1")
        assert second.publish_version("fn") == "2"
    finally:
        await second.aclose()


def provider_ctx(settings: LocalSettings, logical_id: str, rtype: str, asset: Path | None) -> Any:
    metadata = {"stratus:asset_dir": str(asset)} if asset else {}
    return ProviderContext(
        settings=settings,
        aws=lambda service: None,
        stack="S",
        logical_id=logical_id,
        resource_type=rtype,
        metadata=metadata,
    )


async def test_version_resources_are_numbered_at_provision_time_and_run(
    runtime: LambdaRuntime, settings: LocalSettings, tmp_path: Path
) -> None:
    code = write_code(tmp_path / "asset", "one")
    fn_props = {
        "FunctionName": "fn",
        "Handler": "app.handler",
        "Runtime": "python3.11",
        "Code": {"S3Key": "abc.zip"},
    }
    fn_ctx = provider_ctx(settings, "Fn", "AWS::Lambda::Function", code)
    name, attrs = FunctionProvider().create(fn_ctx, fn_props)
    v_ctx = provider_ctx(settings, "FnCurrentVersionA", "AWS::Lambda::Version", None)
    arn, v_attrs = FunctionVersionProvider().create(v_ctx, {"FunctionName": "fn"})
    assert (arn, v_attrs["Version"]) == (f"{ARN}:1", "1")
    # The same code published by another Version resource keeps the number (PublishVersion).
    v2_ctx = provider_ctx(settings, "FnCurrentVersionB", "AWS::Lambda::Version", None)
    assert FunctionVersionProvider().create(v2_ctx, {"FunctionName": "fn"})[1]["Version"] == "1"
    code2 = write_code(tmp_path / "asset2", "two")
    fn_ctx2 = provider_ctx(settings, "Fn", "AWS::Lambda::Function", code2)
    FunctionProvider().create(fn_ctx2, {**fn_props, "Code": {"S3Key": "def.zip"}})
    assert FunctionVersionProvider().create(v2_ctx, {"FunctionName": "fn"})[1]["Version"] == "2"

    stack = Stack(name="S", template_path=tmp_path / "t.json")
    resources = [
        Resource(
            "S",
            "Fn",
            "AWS::Lambda::Function",
            {**fn_props, "Code": {"S3Key": "def.zip"}},
            name,
            attrs,
            {"stratus:asset_dir": str(code2)},
        ),
        Resource(
            "S", "FnCurrentVersionA", "AWS::Lambda::Version", {"FunctionName": "fn"}, arn, v_attrs
        ),
        Resource(
            "S",
            "Live",
            "AWS::Lambda::Alias",
            {"FunctionName": "fn", "FunctionVersion": "1", "Name": "live"},
            f"{ARN}:live",
            {"AliasArn": f"{ARN}:live"},
        ),
    ]
    stack.resources = {r.logical_id: r for r in resources}
    problems = runtime.register_deployment(Deployment(stacks={"S": stack}))
    assert problems == []
    assert (await call(runtime, "fn:live"))[0]["code"] == "one"
    assert (await call(runtime, "fn"))[0]["code"] == "two"


async def test_layers_are_on_sys_path_in_order_and_opt_is_exposed(
    runtime: LambdaRuntime, settings: LocalSettings, tmp_path: Path
) -> None:
    first, second = tmp_path / "layer1", tmp_path / "layer2"
    (first / "python").mkdir(parents=True)
    (first / "python" / "shared.py").write_text("WHO = 'first'\nONLY_FIRST = True\n")
    (first / "python" / "firstonly.py").write_text("X = 1\n")
    site = second / "python" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (second / "python" / "shared.py").write_text("WHO = 'second'\n")
    (site / "deep.py").write_text("X = 'site-packages'\n")
    arns = []
    for path, name in ((first, "one"), (second, "two")):
        ctx = provider_ctx(settings, name, "AWS::Lambda::LayerVersion", path)
        arn, _ = LayerVersionProvider().create(ctx, {"LayerName": name})
        runtime.register_layer(Resource("S", name, "AWS::Lambda::LayerVersion", {}, arn), path)
        arns.append(arn)
    assert arns[0].endswith(":layer:one:1")
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(
        "import os, shared, deep, firstonly\n"
        "def handler(event, context):\n"
        "    return {'who': shared.WHO, 'deep': deep.X, 'opt': os.environ['STRATUS_LAMBDA_OPT']}\n"
    )
    runtime.register(function_resource("layered", Layers=arns), code)
    body, _ = await call(runtime, "layered")
    assert body["who"] == "second"  # the later layer's file replaces the earlier one's
    assert body["deep"] == "site-packages"
    assert (Path(body["opt"]) / "python" / "firstonly.py").is_file()


async def test_inline_python_code_runs_from_the_state_dir(
    runtime: LambdaRuntime, settings: LocalSettings
) -> None:
    source = "def handler(event, context):\n    return {'inline': True}\n"
    runtime.register(function_resource("inline", "index.handler", Code={"ZipFile": source}), None)
    body, _ = await call(runtime, "inline")
    assert body == {"inline": True}
    assert (settings.snapshot_dir / "lambda" / "inline" / "inline" / "index.py").is_file()


async def test_a_python_runtime_mismatch_warns_once_and_still_runs(
    runtime: LambdaRuntime, tmp_path: Path
) -> None:
    code = write_code(tmp_path / "code", "one")
    runtime.register(function_resource("newer", Runtime="python3.12"), code)
    runtime.register(function_resource("newer", Runtime="python3.12"), code)
    runtime.register(function_resource("same", Runtime="python3.11"), code)
    warnings = runtime.warnings()
    assert len(warnings) == 1 and "newer" in warnings[0] and "python3.12" in warnings[0]
    body, _ = await call(runtime, "newer")
    assert body["code"] == "one"


async def test_store_numbers_layers_per_name(tmp_path: Path) -> None:
    store = LambdaStore(tmp_path / "lambda")
    assert store.publish_layer("deps", {"Content": {"S3Key": "a"}}, None) == 1
    assert store.publish_layer("deps", {"Content": {"S3Key": "a"}}, None) == 1
    assert store.publish_layer("deps", {"Content": {"S3Key": "b"}}, None) == 2
    assert LambdaStore(tmp_path / "lambda").publish_layer("other", {}, None) == 1


LOGGING_SOURCE = """
import logging

logger = logging.getLogger()

def handler(event, context):
    logger.info("structured %s", "hello")
    logger.debug("hidden at INFO")
    print("plain print")
    return "ok"
"""


async def test_json_log_format_and_a_custom_log_group(
    runtime: LambdaRuntime, sink: MemoryLogSink
) -> None:
    runtime.register(
        function_resource(
            "jsonpy",
            "index.handler",
            Code={"ZipFile": LOGGING_SOURCE},
            LoggingConfig={"LogFormat": "JSON", "LogGroup": "/custom/group"},
        ),
        None,
    )
    result = await runtime.invoke("jsonpy", b"{}")
    assert result.function_error is None
    assert sink.messages("/aws/lambda/jsonpy") == []  # the function named its own group
    messages = sink.messages("/custom/group")
    records = [json.loads(m) for m in messages if m.startswith("{")]
    app = [r for r in records if "level" in r]
    assert len(app) == 1
    assert app[0]["message"] == "structured hello" and app[0]["logger"] == "root"
    assert app[0]["level"] == "INFO" and app[0]["requestId"] == result.request_id  # type: ignore[attr-defined]
    assert "plain print" in messages
    types = [r["type"] for r in records if "type" in r]
    assert types == ["platform.initStart", "platform.start", "platform.report"]
    report = next(r for r in records if r.get("type") == "platform.report")["record"]
    assert report["status"] == "success" and report["metrics"]["memorySizeMB"] == 128
    assert "initDurationMs" in report["metrics"]
