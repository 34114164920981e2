"""An HTTP API route's integration: Lambda proxy (payload 2.0 or 1.0) or HTTP proxy.

Lambda: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
HTTP proxy: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html
(the request goes to the URL with the route's path variables filled in; the $default route
appends the full request path; the answer comes back as it is).
An integration that does not answer within its timeout (30 s at most) is 503
{"message":"Service Unavailable"}, as HTTP APIs answer (observed, e.g.
github.com/cortexlabs/cortex/issues/1225); a function error, a malformed answer, or an
unreachable HTTP backend is 500 {"message":"Internal Server Error"}
(http-api-troubleshooting-lambda.html).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from stratus.local.core.contracts import LambdaInvoker
from stratus.local.gateway.http_api.config import Integration
from stratus.local.gateway.http_api.events import HttpRequest
from stratus.local.gateway.http_api.responses import (
    HttpResponse,
    MalformedResponseError,
    parse_v1,
    parse_v2,
)


class IntegrationFailure(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# Hop-by-hop and framing headers are not forwarded either way.
_NOT_FORWARDED = frozenset(
    {"host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade"}
)


async def invoke_lambda(
    lambdas: LambdaInvoker, integration: Integration, event: dict[str, Any]
) -> tuple[HttpResponse, int]:
    """The response and the function's status (for $context.integrationStatus)."""
    try:
        result = await asyncio.wait_for(
            lambdas.invoke(integration.uri, json.dumps(event, separators=(",", ":")).encode()),
            integration.timeout_ms / 1000,
        )
    except TimeoutError:
        raise IntegrationFailure(503, "integration timeout") from None
    except Exception as exc:  # throttled, missing function, ...
        raise IntegrationFailure(500, f"invoke failed: {type(exc).__name__}") from exc
    if result.function_error or result.status_code != 200:
        raise IntegrationFailure(500, "the function failed")
    try:
        parse = parse_v1 if integration.payload_version == "1.0" else parse_v2
        return parse(result.payload), result.status_code
    except MalformedResponseError as exc:
        raise IntegrationFailure(500, f"malformed Lambda proxy response: {exc}") from None


def target_url(
    integration: Integration, path_params: Mapping[str, str], default_route_path: str | None
) -> str:
    url = integration.uri
    for name, value in path_params.items():
        url = url.replace("{" + name + "}", quote(value, safe="/"))
    if default_route_path is not None:
        url = url.rstrip("/") + default_route_path
    return url


async def forward_http(
    client: httpx.AsyncClient,
    integration: Integration,
    req: HttpRequest,
    path_params: Mapping[str, str],
    default_route_path: str | None,
) -> HttpResponse:
    url = target_url(integration, path_params, default_route_path)
    method = req.method if integration.method == "ANY" else integration.method
    headers = [(k, v) for k, v in req.headers if k not in _NOT_FORWARDED]
    try:
        resp = await client.request(
            method,
            url + ("?" + req.raw_query if req.raw_query else ""),
            headers=headers,
            content=req.body or None,
            timeout=integration.timeout_ms / 1000,
        )
    except httpx.TimeoutException:
        raise IntegrationFailure(503, "integration timeout") from None
    except httpx.HTTPError as exc:
        raise IntegrationFailure(500, f"HTTP integration failed: {type(exc).__name__}") from exc
    # httpx has decoded the body already, so its encoding header goes too.
    out = [
        (k, v)
        for k, v in resp.headers.multi_items()
        if k.lower() not in _NOT_FORWARDED and k.lower() != "content-encoding"
    ]
    return HttpResponse(resp.status_code, out, resp.content)
