"""Lambda@Edge: the four events, their shapes, CloudFront's limits and error answers.

- Event shapes: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-event-structure.html
  (`Records[0].cf.config` {distributionDomainName, distributionId, eventType, requestId},
  `cf.request` {clientIp, headers: {lower-case name: [{key, value}]}, method, querystring,
  uri, body (with IncludeBody), origin (origin events)}, `cf.response` {status,
  statusDescription, headers}).
- A request function returns the (modified) request, or a response to answer with
  (lambda-generating-http-responses.html); a viewer-request change to the uri, query string
  or headers happens before the cache lookup, so it changes the cache key.
- Limits (cloudfront-limits.html#limits-lambda-at-edge): viewer events 5 s and a generated
  response of 40 KB (headers and body); origin events 30 s and 1 MB.
- Error answers (http-502-bad-gateway.html, http-503-service-unavailable.html): an invalid
  result is 502 (LambdaValidationError); the function failing or timing out is 503
  (LambdaExecutionError); throttling is 503 (LambdaLimitExceeded).
- Viewer-response functions cannot change the status (lambda-at-edge-function-restrictions.html).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from stratus.local.core.contracts import LambdaInvoker, TooManyRequestsError

VIEWER_TIMEOUT_S = 5.0
ORIGIN_TIMEOUT_S = 30.0
VIEWER_MAX_GENERATED = 40 * 1024
ORIGIN_MAX_GENERATED = 1024 * 1024
VIEWER_EVENTS = ("viewer-request", "viewer-response")


@dataclass
class ViewerRequest:
    """The request as it moves through the edge (mutable: functions may change it)."""

    method: str
    uri: str
    querystring: str
    headers: list[tuple[str, str]]  # (name as sent, value), in order
    client_ip: str
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    def lower_headers(self) -> list[tuple[str, str]]:
        return [(k.lower(), v) for k, v in self.headers]


@dataclass
class EdgeResponse:
    status: int
    headers: list[tuple[str, str]]  # lower-case names
    body: bytes = b""
    description: str = ""
    generated: bool = False  # made by a function (or CloudFront), not the origin


@dataclass
class EdgeError(Exception):
    """CloudFront answers the viewer with this status (502/503) instead."""

    status: int
    kind: str  # LambdaValidationError | LambdaExecutionError | LambdaLimitExceeded
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def cf_headers(headers: Sequence[tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for name, value in headers:
        out.setdefault(name.lower(), []).append({"key": _canonical(name), "value": value})
    return out


def _canonical(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _from_cf_headers(value: Any, source: str) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        raise EdgeError(502, "LambdaValidationError", f"{source}: headers is not an object")
    out = []
    for name, entries in value.items():
        if not isinstance(entries, list):
            raise EdgeError(502, "LambdaValidationError", f"{source}: header {name} not a list")
        for entry in entries:
            if not isinstance(entry, dict) or "value" not in entry:
                raise EdgeError(502, "LambdaValidationError", f"{source}: header {name} malformed")
            key = str(entry.get("key") or name)
            if key.lower() != str(name).lower():
                raise EdgeError(
                    502, "LambdaValidationError", f"{source}: header key {key} under {name}"
                )
            out.append((key, str(entry["value"])))
    return out


def request_event(
    event_type: str,
    distribution_id: str,
    domain: str,
    request_id: str,
    request: ViewerRequest,
    *,
    include_body: bool = False,
    origin: dict[str, Any] | None = None,
    response: EdgeResponse | None = None,
) -> dict[str, Any]:
    cf_request: dict[str, Any] = {
        "clientIp": request.client_ip,
        "headers": cf_headers(request.headers),
        "method": request.method,
        "querystring": request.querystring,
        "uri": request.uri,
    }
    if include_body and event_type.endswith("request"):
        cf_request["body"] = {
            "inputTruncated": False,
            "action": "read-only",
            "encoding": "base64",
            "data": base64.b64encode(request.body).decode(),
        }
    if origin is not None:
        cf_request["origin"] = origin
    cf: dict[str, Any] = {
        "config": {
            "distributionDomainName": domain,
            "distributionId": distribution_id,
            "eventType": event_type,
            "requestId": request_id,
        },
        "request": cf_request,
    }
    if response is not None:
        cf["response"] = {
            "status": str(response.status),
            "statusDescription": response.description,
            "headers": cf_headers(response.headers),
        }
    return {"Records": [{"cf": cf}]}


async def run(
    invoker: LambdaInvoker, arn: str, event_type: str, event: dict[str, Any]
) -> dict[str, Any]:
    """Invoke with the event's time limit; the function's JSON result (or EdgeError)."""
    limit = VIEWER_TIMEOUT_S if event_type in VIEWER_EVENTS else ORIGIN_TIMEOUT_S
    payload = json.dumps(event, separators=(",", ":")).encode()
    try:
        result = await asyncio.wait_for(invoker.invoke(arn, payload), timeout=limit)
    except TimeoutError:
        raise EdgeError(503, "LambdaExecutionError", f"{event_type} function timed out") from None
    except TooManyRequestsError:
        raise EdgeError(503, "LambdaLimitExceeded", "function throttled") from None
    except Exception as exc:  # FunctionNotFoundError and the runtime's own errors
        raise EdgeError(503, "LambdaExecutionError", f"{type(exc).__name__}: {exc}") from None
    if result.function_error:
        raise EdgeError(503, "LambdaExecutionError", result.payload.decode(errors="replace")[:500])
    try:
        value = json.loads(result.payload or b"null")
    except ValueError:
        raise EdgeError(502, "LambdaValidationError", "result is not JSON") from None
    if not isinstance(value, dict):
        raise EdgeError(502, "LambdaValidationError", "result is not an object")
    return value


def generated_response(value: dict[str, Any], event_type: str) -> EdgeResponse:
    """A response object a function returned (`status` present), checked against limits."""
    try:
        status = int(value["status"])
    except (KeyError, TypeError, ValueError):
        raise EdgeError(502, "LambdaValidationError", "response status missing") from None
    if not 100 <= status <= 599:
        raise EdgeError(502, "LambdaValidationError", f"invalid status {status}")
    headers = [(k.lower(), v) for k, v in _from_cf_headers(value.get("headers") or {}, event_type)]
    body = _decode_body(value)
    _check_size(body, headers, event_type)
    return EdgeResponse(
        status, headers, body, str(value.get("statusDescription") or ""), generated=True
    )


def apply_request(value: dict[str, Any], request: ViewerRequest, event_type: str) -> None:
    """A request object a function returned: its uri, query string and headers replace ours."""
    uri = value.get("uri", request.uri)
    if not isinstance(uri, str) or not uri.startswith("/"):
        raise EdgeError(502, "LambdaValidationError", f"invalid uri {uri!r}")
    query = value.get("querystring", request.querystring)
    if not isinstance(query, str):
        raise EdgeError(502, "LambdaValidationError", "querystring is not a string")
    request.uri = uri
    request.querystring = query.lstrip("?")
    if "headers" in value:
        request.headers = _from_cf_headers(value["headers"], event_type)
    body = value.get("body")
    if isinstance(body, dict) and body.get("action") == "replace" and "data" in body:
        data = str(body["data"])
        request.body = base64.b64decode(data) if body.get("encoding") == "base64" else data.encode()


def apply_response(value: dict[str, Any], response: EdgeResponse, event_type: str) -> EdgeResponse:
    """A response-event result: headers (and, for origin-response, status) replace ours."""
    if "status" in value and event_type == "origin-response":
        try:
            response.status = int(value["status"])
        except (TypeError, ValueError):
            raise EdgeError(502, "LambdaValidationError", "invalid status") from None
        response.description = str(value.get("statusDescription") or response.description)
    if "headers" in value:
        response.headers = [
            (k.lower(), v) for k, v in _from_cf_headers(value["headers"], event_type)
        ]
    if value.get("body") is not None:
        response.body = _decode_body(value)
        _check_size(response.body, response.headers, event_type)
    return response


def _decode_body(value: dict[str, Any]) -> bytes:
    body_value = value.get("body")
    if body_value is None:
        return b""
    if not isinstance(body_value, str):
        raise EdgeError(502, "LambdaValidationError", "body is not a string")
    if value.get("bodyEncoding") == "base64":
        try:
            return base64.b64decode(body_value, validate=True)
        except ValueError:
            raise EdgeError(502, "LambdaValidationError", "body is not base64") from None
    return body_value.encode()


def _check_size(body: bytes, headers: list[tuple[str, str]], event_type: str) -> None:
    limit = VIEWER_MAX_GENERATED if event_type in VIEWER_EVENTS else ORIGIN_MAX_GENERATED
    size = len(body) + sum(len(k) + len(v) + 4 for k, v in headers)
    if size > limit:
        raise EdgeError(
            502,
            "LambdaValidationError",
            f"generated response of {size} bytes exceeds the {limit} bytes {event_type} limit",
        )
