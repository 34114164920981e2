"""The Lambda proxy integration (payload format 1.0): the event API Gateway sends, and the
response it accepts back.

Handlers (Powertools' APIGatewayRestResolver, our own parsing) read these fields by name,
so the event copies AWS field for field, including its quirks: null (not {}) for empty
maps, the last value of a repeated header or query parameter in the single-value maps,
and base64 only for bodies whose Content-Type is one of the API's BinaryMediaTypes.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.gateway.config import Method, RestApi, Stage


@dataclass
class RequestInfo:
    """What the gateway parsed from the HTTP request, shared by event, cache and logs."""

    method: str
    path: str  # resource-relative path, "/items/1"
    headers: list[tuple[str, str]]  # as received, names as the server gives them
    query: list[tuple[str, str]]
    body: bytes
    source_ip: str
    protocol: str
    host: str
    request_id: str
    extended_request_id: str
    epoch_ms: int
    # Through a custom domain name: the path the client sent, base path included
    # (the event's `path` and `requestContext.path`); None on the /restapis/ URL.
    client_path: str | None = None

    def header_map(self) -> dict[str, str]:
        """Lower-cased names; the last value of a repeated header wins (as AWS)."""
        return {k.lower(): v for k, v in self.headers}

    def query_map(self) -> dict[str, str]:
        return dict(self.query)


def request_time(epoch_ms: int) -> str:
    """$context.requestTime: "25/Nov/2026:01:02:03 +0000"."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000))


def is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """AWS (REST): a body is base64-encoded when its type matches a BinaryMediaTypes entry."""
    if not content_type or not binary_media_types:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return any(fnmatch.fnmatchcase(media, pattern.lower()) for pattern in binary_media_types)


def single_and_multi(
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The proxy event's two views of repeated names: the last value, and every value."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def build_event(
    req: RequestInfo,
    api: RestApi,
    stage: Stage,
    method: Method,
    path_params: Mapping[str, str],
    claims: Mapping[str, str] | None,
) -> dict[str, Any]:
    headers, multi_headers = single_and_multi(req.headers)
    query, multi_query = single_and_multi(req.query)

    content_type = req.header_map().get("content-type")
    body: str | None
    binary = bool(req.body) and is_binary(content_type, api.binary_media_types)
    if not req.body:
        body = None
    elif binary:
        body = base64.b64encode(req.body).decode()
    else:
        # AWS passes non-binary bodies as text; undecodable bytes are mangled there too.
        body = req.body.decode("utf-8", errors="replace")

    identity = {
        "cognitoIdentityPoolId": None,
        "accountId": None,
        "cognitoIdentityId": None,
        "caller": None,
        "sourceIp": req.source_ip,
        "principalOrgId": None,
        "accessKey": None,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": None,
        "userAgent": req.header_map().get("user-agent"),
        "user": None,
    }
    context: dict[str, Any] = {
        "resourceId": method.resource_id,
        "resourcePath": method.resource_path,
        "httpMethod": req.method,
        "extendedRequestId": req.extended_request_id,
        "requestTime": request_time(req.epoch_ms),
        "path": req.client_path or f"/{stage.name}{req.path}",
        "accountId": _account_of(method.function_arn),
        "protocol": req.protocol,
        "stage": stage.name,
        "domainPrefix": domain_prefix(req.host, api.api_id),
        "requestTimeEpoch": req.epoch_ms,
        "requestId": req.request_id,
        "identity": identity,
        "domainName": req.host,
        "apiId": api.api_id,
    }
    if stage.deployment_id:
        context["deploymentId"] = stage.deployment_id
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": method.resource_path,
        "path": req.client_path or req.path,
        "httpMethod": req.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_params) or None,
        "stageVariables": dict(stage.variables) or None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": binary,
    }


def domain_prefix(host: str, api_id: str) -> str:
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if not name or name[0].isdigit() or name.startswith("[") or name == "localhost":
        return api_id  # on AWS the host is {apiId}.execute-api.{region}.amazonaws.com
    return name.split(".", 1)[0]


def _account_of(function_arn: str | None) -> str:
    parts = (function_arn or "").split(":")
    return parts[4] if len(parts) > 4 else ""


class MalformedResponseError(Exception):
    """AWS logs 'Malformed Lambda proxy response' and answers 502."""


@dataclass
class ProxyResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def parse_response(
    payload: bytes, accept: str | None, binary_media_types: tuple[str, ...]
) -> ProxyResponse:
    """Turn the function's result into the HTTP response, or raise MalformedResponseError."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedResponseError("not JSON") from exc
    if not isinstance(data, dict):
        raise MalformedResponseError("not an object")
    status = data.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedResponseError("statusCode")
    single = data.get("headers") or {}
    multi = data.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedResponseError("headers")
    merged: dict[str, list[str]] = {}
    for name, value in single.items():
        merged[str(name)] = [_header_value(value)]
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponseError("multiValueHeaders")
        # AWS: a key in both maps keeps only the multiValueHeaders values.
        merged[str(name)] = [_header_value(v) for v in values]
    body = data.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResponseError("body must be a string")
    encoded = bool(data.get("isBase64Encoded", False))
    raw = (body or "").encode()
    if encoded and body:
        # AWS decodes to bytes only when the request's first Accept type is binary;
        # otherwise the client gets the base64 text.
        first_accept = (accept or "").split(",", 1)[0]
        if is_binary(first_accept, binary_media_types):
            try:
                raw = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise MalformedResponseError("body is not base64") from exc
    headers = [(name, value) for name, values in merged.items() for value in values]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))  # AWS's default for proxy responses
    return ProxyResponse(status, headers, raw)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResponseError("header value")
