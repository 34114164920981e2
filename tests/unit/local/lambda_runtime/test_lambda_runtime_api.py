"""A real boto3 Lambda client invokes local functions through the Invoke API interceptor,
served by a tiny Starlette app on an ephemeral port (as the front door will serve it)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
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
from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink, lambda_api

pytestmark = pytest.mark.anyio


def front_door(runtime: LambdaRuntime) -> Starlette:
    interceptor = lambda_api(runtime)

    async def endpoint(request: Request) -> Response:
        aws = AwsRequest(
            method=request.method,
            path=request.url.path,
            raw_path=request.scope.get("raw_path", b"").decode(),
            query_string=request.scope.get("query_string", b"").decode(),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=await request.body(),
        )
        response = await interceptor(aws)
        return response if response is not None else Response("moto would answer", 418)

    return Starlette(
        routes=[Route("/{path:path}", endpoint, methods=["GET", "POST", "PUT", "DELETE"])]
    )


@pytest.fixture
async def client(runtime: LambdaRuntime) -> AsyncIterator[Any]:
    runtime.register(function_resource("hello", "app.handler"), FIXTURES / "hello")
    runtime.register(function_resource("crash", "app.handler"), FIXTURES / "crash")
    runtime.register(
        function_resource("sleepy", "app.handler", ReservedConcurrentExecutions=1),
        FIXTURES / "sleepy",
    )
    config = uvicorn.Config(
        front_door(runtime), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
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


async def invoke(client: Any, **kw: Any) -> dict[str, Any]:
    response: dict[str, Any] = await asyncio.to_thread(client.invoke, **kw)
    if "Payload" in response:
        response["Body"] = response.pop("Payload").read()
    return response


async def test_boto3_invoke_returns_the_payload_and_lambdas_headers(client: Any) -> None:
    response = await invoke(client, FunctionName="hello", Payload=b'{"a": 1}', LogType="Tail")
    assert response["StatusCode"] == 200
    assert json.loads(response["Body"])["echo"] == {"a": 1}
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert "hello from hello" in base64.b64decode(response["LogResult"]).decode()


async def test_boto3_invoke_by_arn_with_qualifier(client: Any) -> None:
    arn = "arn:aws:lambda:us-east-1:000000000000:function:hello"
    response = await invoke(client, FunctionName=arn, Qualifier="$LATEST", Payload=b"{}")
    assert response["StatusCode"] == 200


async def test_boto3_sees_function_error_for_an_unhandled_exception(client: Any) -> None:
    response = await invoke(client, FunctionName="crash", Payload=b"{}")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Body"])["errorType"] == "ValueError"


async def test_unknown_function_is_404_resource_not_found(client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        await invoke(client, FunctionName="nobody", Payload=b"{}")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert caught.value.response["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nobody"
    )


async def test_non_json_payload_is_400_invalid_request_content(client: Any) -> None:
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        await invoke(client, FunctionName="hello", Payload=b"not json")


async def test_event_invocation_is_202(client: Any, sink: MemoryLogSink) -> None:
    response = await invoke(client, FunctionName="hello", InvocationType="Event", Payload=b"{}")
    assert response["StatusCode"] == 202
    for _ in range(250):
        if "hello from hello" in sink.messages("/aws/lambda/hello"):
            break
        await asyncio.sleep(0.02)
    assert "hello from hello" in sink.messages("/aws/lambda/hello")


async def test_dry_run_is_204(client: Any) -> None:
    response = await invoke(client, FunctionName="hello", InvocationType="DryRun")
    assert response["StatusCode"] == 204


async def test_throttled_invoke_is_429_with_lambdas_reason(client: Any) -> None:
    busy = asyncio.ensure_future(invoke(client, FunctionName="sleepy", Payload=b'{"sleep": 0.5}'))
    await asyncio.sleep(0.2)
    with pytest.raises(client.exceptions.TooManyRequestsException) as caught:
        await invoke(client, FunctionName="sleepy", Payload=b"{}")
    assert caught.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert (await busy)["StatusCode"] == 200


async def test_other_lambda_paths_are_left_to_moto(runtime: LambdaRuntime) -> None:
    interceptor = lambda_api(runtime)
    request = AwsRequest(
        "GET", "/2015-03-31/functions/hello", "/2015-03-31/functions/hello", "", {}, b""
    )
    assert await interceptor(request) is None
