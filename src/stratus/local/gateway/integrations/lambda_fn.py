"""Lambda integrations: ``AWS_PROXY`` (the event of payload format 1.0, the function's
answer parsed as a proxy response) and ``AWS`` with a Lambda URI (non-proxy: the mapped body
is the event, the result goes through the integration responses, a function error is
selected by its ``errorMessage``).

https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-integrations.html;
errors: https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html
("API Gateway ... matches the errorMessage against the selectionPattern"; with no match the
default integration response answers, whatever the error).
"""

from __future__ import annotations

import json
from typing import Any

from stratus.local.core.contracts import FunctionNotFoundError, InvokeResult, TooManyRequestsError
from stratus.local.gateway import errors as E
from stratus.local.gateway.integrations.base import (
    BackendResponse,
    IntegrationCall,
    IntegrationError,
    IntegrationResult,
    configuration_error,
)
from stratus.local.gateway.integrations.nonproxy import map_request, map_response
from stratus.local.gateway.mapping.responses import lambda_error_message
from stratus.local.gateway.proxy import MalformedResponseError, parse_response


async def _invoke(call: IntegrationCall, payload: bytes) -> InvokeResult:
    function_arn = call.method.spec.function_arn
    if function_arn is None:
        raise configuration_error(f"not a Lambda URI: {call.method.spec.uri!r}")
    try:
        result = await call.ctx.lambdas.invoke(function_arn, payload)
    except TooManyRequestsError:
        raise IntegrationError(E.LAMBDA_THROTTLED) from None
    except FunctionNotFoundError:
        raise configuration_error(f"no function {function_arn}") from None
    call.log["integration.status"] = result.status_code
    return result


async def proxy(call: IntegrationCall) -> IntegrationResult:
    """AWS_PROXY: the function answers the client, in the proxy response format."""
    result = await _invoke(call, _json_bytes(call.proxy_event()))
    if result.function_error or result.status_code != 200:
        raise IntegrationError(E.BAD_LAMBDA_RESPONSE, "function error")
    try:
        resp = parse_response(result.payload, call.hmap.get("accept"), call.api.binary_media_types)
    except MalformedResponseError as exc:
        raise IntegrationError(E.BAD_LAMBDA_RESPONSE, f"malformed proxy response: {exc}") from None
    return IntegrationResult(resp.status, resp.headers, resp.body)


async def custom(call: IntegrationCall) -> IntegrationResult:
    """AWS with a Lambda URI (non-proxy)."""
    mapped = map_request(call)
    # Lambda takes a JSON document; an empty passthrough body is sent as {}.
    payload = mapped.body if mapped.body.strip() else b"{}"
    result = await _invoke(call, payload)
    if result.status_code != 200:
        raise IntegrationError(E.BAD_LAMBDA_RESPONSE, f"Lambda answered {result.status_code}")
    failed = bool(result.function_error)
    backend = BackendResponse(
        status=200,
        headers={},
        body=result.payload,
        selector=lambda_error_message(result.payload, failed),
        lambda_error=failed,
    )
    return map_response(call, backend)


def _json_bytes(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()
