"""API Gateway's own responses: status, body, x-amzn-ErrorType, and GatewayResponse overrides.

Clients (and the CDK's `addGatewayResponse`) depend on these exact shapes, so they are
copied from AWS: the default template is `{"message":$context.error.messageString}`, and a
declared AWS::ApiGateway::GatewayResponse for the specific type, else DEFAULT_4XX /
DEFAULT_5XX, replaces status, headers and body
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html).

A GatewayResponse body template is *not* Velocity: "A GatewayResponse mapping template isn't
processed by the Velocity Template Language (VTL) engine" — only simple substitution of
`$context.*` and `$stageVariables.*`
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.responseTemplates.html).
So `#if`/`#set` stay in the body as written, as on AWS, and no template can fail to render.
ResponseParameters (`gatewayresponse.header.X`) take a 'static' value or
method.request.{header,querystring,path}.x, stageVariables.x. The body's Content-Type is
the chosen template's media type (application/json first).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("stratus.gateway")


@dataclass(frozen=True)
class GatewayError:
    response_type: str  # GatewayResponse ResponseType
    status: int
    message: str
    error_type: str | None  # x-amzn-ErrorType
    spaced: bool = False  # AWS writes some bodies as {"message": "..."} (with a space)

    def default_body(self) -> bytes:
        if self.spaced:
            return json.dumps({"message": self.message}).encode()
        return b'{"message":' + json.dumps(self.message).encode() + b"}"


MISSING_AUTH_TOKEN = GatewayError(
    "MISSING_AUTHENTICATION_TOKEN",
    403,
    "Missing Authentication Token",
    "MissingAuthenticationTokenException",
)
UNAUTHORIZED = GatewayError("UNAUTHORIZED", 401, "Unauthorized", "UnauthorizedException")
# AWS: an expired Cognito token is still an UNAUTHORIZED response, with its own message.
EXPIRED_TOKEN = GatewayError(
    "UNAUTHORIZED", 401, "The incoming token has expired", "UnauthorizedException"
)
# A REGIONAL AWS WAF web ACL on the stage blocked the request: GatewayResponse type
# WAF_FILTERED, 403 by default (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
WAF_FILTERED = GatewayError("WAF_FILTERED", 403, "Forbidden", "ForbiddenException")
THROTTLED = GatewayError("THROTTLED", 429, "Too Many Requests", "TooManyRequestsException")
REQUEST_TOO_LARGE = GatewayError("REQUEST_TOO_LARGE", 413, "Request Too Long", None)
# A RequestValidator refused the body (api-gateway-method-request-validation.html).
BAD_REQUEST_BODY = GatewayError(
    "BAD_REQUEST_BODY", 400, "Invalid request body", "BadRequestException"
)
# AWS: a malformed proxy response or a function error is a 502 with this spaced body.
BAD_LAMBDA_RESPONSE = GatewayError(
    "DEFAULT_5XX", 502, "Internal server error", "InternalServerErrorException", spaced=True
)
# AWS: Lambda's own 429 (reserved or account concurrency exceeded) reaches clients of a
# Lambda proxy integration as 500 {"message": "Internal server error"}, never as 429: "If
# the backend service is throttled because of a high number of requests, then the API
# Gateway API can return an Internal server error"
# (https://repost.aws/knowledge-center/api-gateway-internal-server-error). A 429 from API
# Gateway itself means the stage's or account's throttling (THROTTLED above,
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
LAMBDA_THROTTLED = GatewayError(
    "INTEGRATION_FAILURE", 500, "Internal server error", "InternalServerErrorException", spaced=True
)
CONFIGURATION_ERROR = GatewayError(
    "API_CONFIGURATION_ERROR",
    500,
    "Internal server error",
    "InternalServerErrorException",
    spaced=True,
)
INTEGRATION_TIMEOUT = GatewayError(
    "INTEGRATION_TIMEOUT", 504, "Endpoint request timed out", None, spaced=True
)

_VAR = re.compile(r"\$(?:\{([\w.\-]+)\}|([\w\-]+(?:\.[\w\-]+)*))")


@dataclass(frozen=True)
class RenderedError:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def render_error(
    err: GatewayError,
    declared: Mapping[str, Mapping[str, Any]],
    context: Mapping[str, str],
    request_headers: Mapping[str, str],
    query: Mapping[str, str],
    stage_variables: Mapping[str, str],
    path: Mapping[str, str] | None = None,
) -> RenderedError:
    """Apply the API's GatewayResponse for this error (if any) to AWS's default response."""
    group = "DEFAULT_4XX" if err.status < 500 else "DEFAULT_5XX"
    override = declared.get(err.response_type) or declared.get(group)
    status = err.status
    headers: list[tuple[str, str]] = [("content-type", "application/json")]
    if err.error_type:
        headers.append(("x-amzn-ErrorType", err.error_type))
    body = err.default_body()
    if override is None:
        return RenderedError(status, headers, body)
    declared_status = str(override.get("StatusCode") or "")
    if declared_status.isdigit() and 100 <= int(declared_status) <= 599:
        status = int(declared_status)
    elif declared_status:  # AWS refuses such a GatewayResponse when it is created
        log.warning("GatewayResponse %s: StatusCode %r ignored", err.response_type, declared_status)
    values = {
        **{f"stageVariables.{k}": v for k, v in stage_variables.items()},
        # "$context.error.validationErrorString: A string containing a detailed validation
        # error message" — empty when the request was not refused by a validator
        # (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html).
        "context.error.validationErrorString": "",
        **context,
        "context.error.message": err.message,
        "context.error.messageString": json.dumps(err.message),
        "context.error.responseType": err.response_type,
    }
    for name, source in (override.get("ResponseParameters") or {}).items():
        header = str(name).removeprefix("gatewayresponse.header.")
        value = parameter_value(str(source), request_headers, query, path or {}, stage_variables)
        if value is not None:
            headers = [(k, v) for k, v in headers if k.lower() != header.lower()]
            headers.append((header, value))
    templates = override.get("ResponseTemplates") or {}
    media = "application/json" if "application/json" in templates else next(iter(templates), None)
    if media is not None:
        body = substitute(str(templates[media]), values).encode()
        headers = [(k, v) for k, v in headers if k != "content-type"]
        headers.insert(0, ("content-type", media))
    return RenderedError(status, headers, body)


def parameter_value(
    source: str,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    path: Mapping[str, str],
    stage_variables: Mapping[str, str],
) -> str | None:
    """A mapping expression's value: 'literal', method.request.{header,querystring,path}.x
    or stageVariables.x (None when the request lacks it)."""
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    for prefix, table, lower in (
        ("method.request.header.", headers, True),
        ("method.request.querystring.", query, False),
        ("method.request.path.", path, False),
        ("stageVariables.", stage_variables, False),
    ):
        if source.startswith(prefix):
            key = source[len(prefix) :]
            return table.get(key.lower() if lower else key)
    return None


def substitute(template: str, values: Mapping[str, str]) -> str:
    """Replace $context.x / ${context.x} / $stageVariables.x with known values (VTL subset)."""

    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return values.get(name, m.group(0))

    return _VAR.sub(repl, template)
