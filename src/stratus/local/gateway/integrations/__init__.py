"""API Gateway's integration types (REST APIs), one module per type behind one interface:
``async (IntegrationCall) -> IntegrationResult``, raising ``IntegrationError``.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-integration-types.html:

- ``AWS_PROXY`` — Lambda proxy (``lambda_fn.proxy``);
- ``AWS`` — a Lambda URI is the non-proxy Lambda integration (``lambda_fn.custom``), any
  other service is called through the local AWS endpoint (``aws_service``);
- ``HTTP_PROXY`` / ``HTTP`` — an HTTP endpoint (``http``);
- ``MOCK`` — no backend (``mock``).

:func:`integrate` applies the integration timeout (TimeoutInMillis, 50-29,000 ms) → 504
INTEGRATION_TIMEOUT, and records the integration latency.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from stratus.local.gateway import errors as E
from stratus.local.gateway.integrations import aws_service, http, lambda_fn, mock
from stratus.local.gateway.integrations.base import (
    Integration,
    IntegrationCall,
    IntegrationError,
    IntegrationResult,
    IntegrationServices,
    configuration_error,
)
from stratus.local.gateway.integrations.sessions import RoleSessions

__all__ = [
    "IntegrationCall",
    "IntegrationError",
    "IntegrationResult",
    "IntegrationServices",
    "RoleSessions",
    "integrate",
    "integration_for",
]

log = logging.getLogger("stratus.gateway")

_BY_TYPE: dict[str, Integration] = {
    "AWS_PROXY": lambda_fn.proxy,
    "HTTP_PROXY": http.proxy,
    "HTTP": http.custom,
    "MOCK": mock.integrate,
}


def integration_for(call: IntegrationCall) -> Integration:
    spec = call.method.spec
    if spec.type == "AWS":
        return lambda_fn.custom if spec.function_arn is not None else aws_service.integrate
    found = _BY_TYPE.get(spec.type)
    if found is None:
        raise configuration_error(f"integration type {spec.type!r}")
    return found


def calls_backend(call: IntegrationCall) -> bool:
    """Whether the integration reaches a backend (for the gateway's counters)."""
    return call.method.spec.type != "MOCK"


async def integrate(call: IntegrationCall) -> IntegrationResult:
    """Run the method's integration within its timeout."""
    integration = integration_for(call)
    started = asyncio.get_running_loop().time()
    try:
        return await asyncio.wait_for(integration(call), call.method.spec.timeout_ms / 1000)
    except (TimeoutError, httpx.TimeoutException):
        # Also the local worker queue's bound (LocalCapacityError is a TimeoutError).
        raise IntegrationError(E.INTEGRATION_TIMEOUT) from None
    except IntegrationError as exc:
        if exc.detail:
            log.info(
                "%s %s%s: %s",
                call.req.method,
                call.stage.name,
                call.method.resource_path,
                exc.detail,
            )
        raise
    finally:
        elapsed = asyncio.get_running_loop().time() - started
        call.log["integrationLatency"] = int(elapsed * 1000)
