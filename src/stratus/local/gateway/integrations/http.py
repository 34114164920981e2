"""``HTTP_PROXY`` and ``HTTP`` integrations: a request to the integration URI.

``HTTP_PROXY`` (https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html):
"API Gateway passes the entire request and response between the frontend and an HTTP
backend" — the method (``ANY`` as the client's), the client's headers, query string and body,
the URI's ``{proxy}`` and other placeholders filled from ``integration.request.path.*``
(else the method's own path parameters); the backend's status, headers and body come back
as they are.

``HTTP`` (non-proxy): only what the integration request maps is sent (parameters and the
request template's body), and the answer goes through the integration responses selected
by its status code.

A backend that cannot be reached (connection refused, bad address) is API Gateway's 500
"Execution failed due to configuration error" (https://repost.aws/knowledge-center/api-gateway-500-error-vpc:
"The target isn't listening on the target ports" → HTTP 500); one that does not answer in
time is the dispatcher's 504.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from stratus.local.gateway.integrations.aws_service import fill_path
from stratus.local.gateway.integrations.base import (
    BackendResponse,
    IntegrationCall,
    IntegrationResult,
    configuration_error,
)
from stratus.local.gateway.integrations.nonproxy import map_request, map_response

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([\w-]+)\}")
# Not forwarded either way: the connection's own headers, and the client's Host.
_HOP_BY_HOP = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "content-length",
        "transfer-encoding",
        "te",
        "upgrade",
        "proxy-connection",
    }
)


def target_url(
    uri: str,
    path_values: dict[str, str],
    stage_variables: dict[str, str],
    query: list[tuple[str, str]],
) -> str:
    """The URI with stage variables and path placeholders filled, plus ``query``."""
    uri = _STAGE_VARIABLE.sub(lambda m: stage_variables.get(m.group(1), ""), uri)
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise configuration_error(f"invalid endpoint address {uri!r}")
    path = fill_path(parts.path, path_values)
    pairs = [p for p in (parts.query, urlencode(query)) if p]
    return urlunsplit((parts.scheme, parts.netloc, path, "&".join(pairs), ""))


def _method(call: IntegrationCall) -> str:
    spec_method = call.method.spec.http_method
    return call.req.method if spec_method == "ANY" else spec_method


async def _send(
    call: IntegrationCall, method: str, url: str, headers: list[tuple[str, str]], body: bytes
) -> httpx.Response:
    try:
        resp = await call.services.client().request(
            method, url, content=body, headers=headers, follow_redirects=False
        )
    except httpx.HTTPError as exc:
        raise configuration_error(f"endpoint {url}: {exc!r}") from None
    call.log["integration.status"] = resp.status_code
    return resp


async def proxy(call: IntegrationCall) -> IntegrationResult:
    mapped = map_request(call, templates=False)
    values = {**call.path_params, **mapped.path}
    query = list(call.req.query) + [(k, v) for k, vs in mapped.querystring.items() for v in vs]
    url = target_url(call.method.spec.uri, values, call.stage.variables, query)
    mapped_names = {k.lower() for k in mapped.headers}
    headers = [
        (k, v)
        for k, v in call.req.headers
        if k.lower() not in _HOP_BY_HOP and k.lower() not in mapped_names
    ]
    headers += [(k, v) for k, vs in mapped.headers.items() for v in vs]
    resp = await _send(call, _method(call), url, headers, call.req.body)
    out = [(k, v) for k, v in resp.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
    return IntegrationResult(resp.status_code, out, resp.content)


async def custom(call: IntegrationCall) -> IntegrationResult:
    mapped = map_request(call)
    query = [(k, v) for k, vs in mapped.querystring.items() for v in vs]
    url = target_url(call.method.spec.uri, mapped.path, call.stage.variables, query)
    headers = [(k, v) for k, vs in mapped.headers.items() for v in vs]
    if mapped.body and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", mapped.content_type))
    resp = await _send(call, _method(call), url, headers, mapped.body)
    multi: dict[str, list[str]] = {}
    for name, value in resp.headers.multi_items():
        multi.setdefault(name, []).append(value)
    backend = BackendResponse(
        status=resp.status_code, headers=multi, body=resp.content, selector=str(resp.status_code)
    )
    return map_response(call, backend)
