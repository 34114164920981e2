"""REST (v1) proxy events for the blog's resolvers, as API Gateway sends them."""

from __future__ import annotations

import json
from typing import Any

READER = "33333333-cccc-4ccc-8ccc-cccccccccccc"
AUTHOR = "44444444-dddd-4ddd-8ddd-dddddddddddd"
_NO_BODY = object()


def event(
    method: str,
    path: str,
    body: Any = _NO_BODY,
    *,
    sub: str | None = None,
    groups: str | None = None,
    query: dict[str, str] | None = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    text = raw_body if raw_body is not None else (None if body is _NO_BODY else json.dumps(body))
    context: dict[str, Any] = {
        "requestId": "req-1",
        "stage": "dev",
        "httpMethod": method,
        "path": f"/dev{path}",
        "domainName": "abc.execute-api.us-east-1.amazonaws.com",
        "identity": {"sourceIp": "127.0.0.1"},
    }
    if sub is not None:
        claims = {"sub": sub, "token_use": "id", "name": "Ada"}
        if groups is not None:
            claims["cognito:groups"] = groups
        context["authorizer"] = {"claims": claims}
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
        "requestContext": context,
        "body": text,
        "isBase64Encoded": False,
    }


def call(app: Any, *args: Any, **kwargs: Any) -> tuple[int, Any, dict[str, str]]:
    """(status, parsed JSON body, headers) of one request through a resolver."""
    from todo_harness import FakeLambdaContext

    response = app.resolve(event(*args, **kwargs), FakeLambdaContext())
    body = json.loads(response["body"]) if response.get("body") else None
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for key, values in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(key.lower(), values[0])
    return response["statusCode"], body, headers


def author_call(app: Any, method: str, path: str, body: Any = _NO_BODY, **kw: Any) -> Any:
    return call(app, method, path, body, sub=AUTHOR, groups="authors", **kw)
