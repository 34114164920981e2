"""``MOCK``: API Gateway answers without a backend — the request template's statusCode
selects the integration response, whose parameters and template make the answer
(https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html).
The MOCK-only rules (statusCode, local web origins) are in ``gateway.mock``."""

from __future__ import annotations

from stratus.local.gateway.integrations.base import (
    BackendResponse,
    IntegrationCall,
    IntegrationResult,
)
from stratus.local.gateway.integrations.nonproxy import map_request, map_response
from stratus.local.gateway.mock import declared_origins, mock_status, served_origin


async def integrate(call: IntegrationCall) -> IntegrationResult:
    origins = call.services.origins
    view = declared_origins(origins)
    mapped = map_request(call, view)
    status = mock_status(mapped.body) if mapped.templated else "200"
    backend = BackendResponse(status=int(status), headers={}, body=b"", selector=status)
    return map_response(call, backend, served_origin(origins), view)
