"""Shared test helpers for the to-do Lambdas: API Gateway v1 events, a clock, a context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

USER_A = "11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
USER_B = "22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
_NO_BODY = object()


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeLambdaContext:
    function_name: str = "todo-api"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:todo-api"
    aws_request_id: str = "lambda-req-1"
    log_group_name: str = "/aws/lambda/todo-api"
    log_stream_name: str = "stream"
    function_version: str = "$LATEST"
    extra: dict[str, Any] = field(default_factory=dict)

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def api_event(
    method: str,
    path: str,
    body: Any = _NO_BODY,
    *,
    sub: str | None = USER_A,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """A REST API (v1) proxy event as API Gateway sends it after the Cognito authorizer."""
    text = raw_body if raw_body is not None else (None if body is _NO_BODY else json.dumps(body))
    request_context: dict[str, Any] = {
        "requestId": "apigw-req-1",
        "stage": "prod",
        "httpMethod": method,
        "path": f"/prod{path}",
        "resourcePath": path,
        "identity": {"sourceIp": "127.0.0.1"},
    }
    if sub is not None:
        request_context["authorizer"] = {"claims": {"sub": sub, "token_use": "id"}}
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": text,
        "isBase64Encoded": False,
    }


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def field(self) -> str | None:
        if not isinstance(self.body, dict):
            return None
        return (self.body.get("details") or {}).get("field")


def call(app: APIGatewayRestResolver, event: dict[str, Any]) -> Reply:
    raw = app.resolve(event, FakeLambdaContext())  # type: ignore[arg-type]
    headers = dict(raw.get("headers") or {})
    for name, values in (raw.get("multiValueHeaders") or {}).items():
        headers.setdefault(name, values[0])
    text = raw.get("body")
    body = json.loads(text) if text else None
    return Reply(raw["statusCode"], headers, body)
