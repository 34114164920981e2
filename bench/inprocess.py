"""The handler's own time: `stratus.todo.handlers.todos` called in the bench process.

Its environment is the function's resolved Environment.Variables (see bench.cloud) plus
AWS_ENDPOINT_URL pointing at the running cloud and test credentials, so it talks to the same
table (through the same DAX endpoint) as the deployed worker does.
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeContext:
    """The attributes Powertools' inject_lambda_context reads."""

    function_name: str = "bench-inprocess"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:bench-inprocess"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 3000


def rest_event(method: str, path: str, sub: str, email: str) -> dict[str, Any]:
    """An API Gateway REST proxy event as the Cognito authorizer passes it on."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Accept": "application/json", "Host": "127.0.0.1"},
        "multiValueHeaders": {"Accept": ["application/json"], "Host": ["127.0.0.1"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/local{path}",
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": {"sub": sub, "email": email, "token_use": "id"}},
        },
    }


def in_process_call(
    module: str, env: dict[str, str], aws_endpoint: str, sub: str, email: str, path: str
) -> Callable[[], None]:
    os.environ.update(env)
    os.environ.update(
        AWS_ENDPOINT_URL=aws_endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
    )
    handler = importlib.import_module(module).lambda_handler
    event = rest_event("GET", path, sub, email)
    context = FakeContext()

    def call() -> None:
        result = handler(event, context)
        if result.get("statusCode") != 200:
            raise RuntimeError(f"in-process {path} -> {result}")

    return call
