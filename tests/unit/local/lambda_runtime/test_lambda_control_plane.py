"""The Lambda control plane answers for what the runtime runs, in Lambda's JSON shapes: every
key the endpoint sends is a member of botocore's output shape, and boto3 parses it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import uvicorn
from botocore.config import Config
from lambda_runtime_support import FIXTURES, function_resource
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.router import route
from stratus.local.lambda_runtime import LambdaRuntime
from stratus.local.lambda_runtime.api import operations

pytestmark = pytest.mark.anyio
ARN = "arn:aws:lambda:us-east-1:000000000000:function"
SEEN: list[tuple[str, dict[str, Any]]] = []  # (operation, raw JSON body) as the endpoint sent


def endpoint_app(runtime: LambdaRuntime) -> Starlette:
    table = operations(runtime)

    async def endpoint(request: Request) -> Response:
        aws = AwsRequest(
            method=request.method,
            path=request.url.path,
            raw_path=request.scope.get("raw_path", b"").decode(),
            query_string=request.scope.get("query_string", b"").decode(),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
        )
        call = route(aws)
        handler = table.get(call.operation or "")
        response = await handler(call) if handler else None
        if response is None:
            return Response("moto would answer", 418)
        if call.operation != "Invoke" and response.status_code == 200:
            SEEN.append((str(call.operation), json.loads(bytes(response.body))))
        return response

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "POST", "PUT"])])


@pytest.fixture
async def client(runtime: LambdaRuntime, tmp_path: Path) -> AsyncIterator[Any]:
    SEEN.clear()
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    (layer / "python" / "dep.py").write_text("X = 1\n")
    layer_arn = "arn:aws:lambda:us-east-1:000000000000:layer:deps:1"
    from stratus.local.provision.model import Resource

    runtime.register_layer(Resource("S", "L", "AWS::Lambda::LayerVersion", {}, layer_arn), layer)
    runtime.register(
        function_resource(
            "hello",
            MemorySize=256,
            Timeout=10,
            Description="says hello",
            Environment={"Variables": {"STAGE": "dev"}},
            Layers=[layer_arn],
            ReservedConcurrentExecutions=4,
            DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"},
            Tags=[{"Key": "team", "Value": "core"}],
        ),
        FIXTURES / "hello",
    )
    runtime.publish_version("hello", "first")
    runtime.put_alias("hello", "live", "1", weights=[("$LATEST", 0.1)], description="prod")
    runtime.put_event_invoke_config(
        "hello",
        "live",
        {
            "MaximumRetryAttempts": 1,
            "MaximumEventAgeInSeconds": 300,
            "DestinationConfig": {
                "OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:f"}
            },
        },
    )
    for n in range(3):
        runtime.register(function_resource(f"other{n}"), FIXTURES / "hello")
    config = uvicorn.Config(
        endpoint_app(runtime), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield boto3.client(
        "lambda",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )
    server.should_exit = True
    await task


def unknown_keys(shape: Any, value: Any, where: str = "") -> list[str]:
    """Keys the endpoint sent that botocore's output shape does not declare."""
    if shape.type_name == "structure":
        out = []
        for key, item in value.items():
            if key not in shape.members:
                out.append(f"{where}.{key}")
            else:
                out += unknown_keys(shape.members[key], item, f"{where}.{key}")
        return out
    if shape.type_name == "list":
        return [
            k
            for i, item in enumerate(value)
            for k in unknown_keys(shape.member, item, f"{where}[{i}]")
        ]
    if shape.type_name == "map":
        return [
            k
            for key, item in value.items()
            for k in unknown_keys(shape.value, item, f"{where}.{key}")
        ]
    return []


async def run(client: Any, method: str, **kw: Any) -> Any:
    return await asyncio.to_thread(getattr(client, method), **kw)


async def test_every_answer_fits_botocores_output_shapes(client: Any) -> None:
    await run(client, "list_functions")
    await run(client, "list_functions", FunctionVersion="ALL")
    await run(client, "get_function", FunctionName="hello")
    await run(client, "get_function_configuration", FunctionName="hello", Qualifier="1")
    await run(client, "list_versions_by_function", FunctionName="hello")
    await run(client, "list_aliases", FunctionName="hello")
    await run(client, "get_alias", FunctionName="hello", Name="live")
    await run(client, "get_function_concurrency", FunctionName="hello")
    await run(client, "get_function_event_invoke_config", FunctionName="hello", Qualifier="live")
    model = client.meta.service_model
    assert len(SEEN) == 9
    for operation, body in SEEN:
        assert unknown_keys(model.operation_model(operation).output_shape, body) == [], operation


async def test_function_configuration_fields(client: Any) -> None:
    config = (await run(client, "get_function", FunctionName="hello"))["Configuration"]
    assert config["FunctionName"] == "hello" and config["FunctionArn"] == f"{ARN}:hello"
    assert (config["Runtime"], config["Handler"]) == ("python3.11", "app.handler")
    assert (config["MemorySize"], config["Timeout"]) == (256, 10)
    assert config["Version"] == "$LATEST" and config["State"] == "Active"
    assert config["PackageType"] == "Zip" and config["Architectures"] == ["x86_64"]
    assert config["Environment"] == {"Variables": {"STAGE": "dev"}}
    assert (
        config["Layers"][0]["Arn"].endswith(":layer:deps:1") and config["Layers"][0]["CodeSize"] > 0
    )
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/hello"}
    assert config["DeadLetterConfig"]["TargetArn"].endswith(":dlq")
    assert config["CodeSize"] > 0 and len(config["CodeSha256"]) == 44
    assert config["LastModified"].endswith("+0000")
    full = await run(client, "get_function", FunctionName="hello")
    assert full["Concurrency"] == {"ReservedConcurrentExecutions": 4}
    assert full["Tags"] == {"team": "core"}


async def test_versions_aliases_and_qualifiers(client: Any) -> None:
    versions = (await run(client, "list_versions_by_function", FunctionName="hello"))["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]
    assert versions[1]["FunctionArn"] == f"{ARN}:hello:1" and versions[1]["Description"] == "first"
    alias = await run(client, "get_alias", FunctionName="hello", Name="live")
    assert alias["AliasArn"] == f"{ARN}:hello:live" and alias["FunctionVersion"] == "1"
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"$LATEST": 0.1}}
    by_alias = await run(client, "get_function_configuration", FunctionName=f"{ARN}:hello:live")
    assert by_alias["Version"] == "1"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        await run(client, "get_function", FunctionName="hello", Qualifier="9")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        await run(client, "get_alias", FunctionName="hello", Name="nope")
    result = await run(client, "invoke", FunctionName="hello", Qualifier="1", Payload=b"{}")
    assert result["ExecutedVersion"] == "1"


async def test_pagination_with_marker_and_max_items(client: Any) -> None:
    first = await run(client, "list_functions", MaxItems=2)
    assert [f["FunctionName"] for f in first["Functions"]] == ["hello", "other0"]
    second = await run(client, "list_functions", MaxItems=2, Marker=first["NextMarker"])
    assert [f["FunctionName"] for f in second["Functions"]] == ["other1", "other2"]
    assert "NextMarker" not in second
    everything = await run(client, "list_functions", FunctionVersion="ALL")
    assert len(everything["Functions"]) == 5  # 4 functions + hello:1


async def test_concurrency_and_event_invoke_config(client: Any) -> None:
    assert (await run(client, "get_function_concurrency", FunctionName="hello"))[
        "ReservedConcurrentExecutions"
    ] == 4
    assert "ReservedConcurrentExecutions" not in await run(
        client, "get_function_concurrency", FunctionName="other0"
    )
    config = await run(
        client, "get_function_event_invoke_config", FunctionName="hello", Qualifier="live"
    )
    assert config["FunctionArn"] == f"{ARN}:hello:live"
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (1, 300)
    assert config["DestinationConfig"]["OnFailure"]["Destination"].endswith(":f")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        await run(client, "get_function_event_invoke_config", FunctionName="hello")


async def test_account_settings_show_the_limit_and_the_unreserved_pool(client: Any) -> None:
    settings = await run(client, "get_account_settings")
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 996  # hello has 4


async def test_a_function_the_runtime_does_not_know_is_left_to_moto(client: Any) -> None:
    with pytest.raises(client.exceptions.ClientError) as info:
        await run(client, "get_function", FunctionName="created-through-the-api")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 418
