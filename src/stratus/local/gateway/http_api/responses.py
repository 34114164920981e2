"""What an HTTP API makes of a Lambda function's answer.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
(Lambda function response format): with payload 2.0, valid JSON without a `statusCode` is
answered 200 with that JSON as the body and content-type application/json (a JSON string
is the body itself); otherwise `statusCode`, `headers`, `cookies` (one set-cookie each),
`body` and `isBase64Encoded` are read. Payload 1.0 needs the REST proxy shape (read by
`gateway.proxy.parse_response`). Anything else is a malformed response: 500
{"message":"Internal Server Error"}.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from stratus.local.gateway.proxy import MalformedResponseError, parse_response

__all__ = ["HttpResponse", "MalformedResponseError", "parse_v1", "parse_v2"]


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def parse_v2(payload: bytes) -> HttpResponse:
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedResponseError("not JSON") from exc
    if not isinstance(data, dict) or "statusCode" not in data:
        text = data if isinstance(data, str) else json.dumps(data)
        return HttpResponse(200, [("content-type", "application/json")], text.encode())
    status = data.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedResponseError("statusCode")
    headers_in = data.get("headers") or {}
    multi = data.get("multiValueHeaders") or {}
    cookies = data.get("cookies") or []
    if not isinstance(headers_in, dict) or not isinstance(multi, dict):
        raise MalformedResponseError("headers")
    if not isinstance(cookies, list):
        raise MalformedResponseError("cookies")
    headers = [(str(k), _text(v)) for k, v in headers_in.items()]
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponseError("multiValueHeaders")
        headers.extend((str(name), _text(v)) for v in values)
    headers.extend(("set-cookie", _text(c)) for c in cookies)
    body = data.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResponseError("body must be a string")
    raw = (body or "").encode()
    if data.get("isBase64Encoded") and body:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedResponseError("body is not base64") from exc
    if not any(k.lower() == "content-type" for k, _ in headers) and raw:
        headers.append(("content-type", "text/plain; charset=utf-8"))
    return HttpResponse(status, headers, raw)


def parse_v1(payload: bytes) -> HttpResponse:
    # HTTP APIs decode an isBase64Encoded body whatever the Accept header says.
    resp = parse_response(payload, "application/octet-stream", ("*",))
    return HttpResponse(resp.status, resp.headers, resp.body)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResponseError("header value")
