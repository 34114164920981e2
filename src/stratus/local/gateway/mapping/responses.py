"""Integration response selection and method response header mapping (non-proxy).

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-integration-settings-integration-response.html
and https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html:

- a ``selectionPattern`` is a Java regex matched against the Lambda error's ``errorMessage``
  (Lambda non-proxy) or the backend's status code (HTTP and AWS integrations, MOCK's
  ``statusCode``); the whole value must match (``String.matches``), so ``Malformed.*``, not
  ``Malformed``. A successful Lambda has no error message: the empty string is matched, so
  ``.*`` "will match all error messages, including null" and overrides the default;
- the response with no pattern is the default; with neither a match nor a default, AWS
  answers its API_CONFIGURATION_ERROR 500 (supported-gateway-response-types.html) —
  :class:`NoIntegrationResponse`, mapped by the gateway to ``errors.CONFIGURATION_ERROR``;
- ``method.response.header.X`` takes ``integration.response.header.Y``,
  ``integration.response.multivalueheader.Y`` (values joined with ``,``),
  ``integration.response.body``, ``integration.response.body.JSONPath``, ``context.X``,
  ``stageVariables.X`` or ``'static'`` (request-response-data-mappings.html). For a Lambda
  custom error the ``errorMessage`` string is deserialized first, "only to body-to-header
  mappings", and a complex property maps "as a JSON string".
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stratus.local.gateway.mapping.parameters import (
    MappingExpressionError,
    body_value,
    source_value,
)

__all__ = [
    "IntegrationResponse",
    "InvalidSelectionPattern",
    "NoIntegrationResponse",
    "integration_responses",
    "lambda_error_message",
    "map_response_headers",
    "select_integration_response",
]


class NoIntegrationResponse(LookupError):
    """No pattern matched and no default response: AWS's 500 API_CONFIGURATION_ERROR."""


class InvalidSelectionPattern(ValueError):
    """A selectionPattern that is not a regular expression (AWS refuses it when the
    integration response is put; here it fails the request as a configuration error)."""


@dataclass(frozen=True)
class IntegrationResponse:
    status_code: str
    selection_pattern: str | None = None
    response_parameters: Mapping[str, str] = field(default_factory=dict)
    response_templates: Mapping[str, str] = field(default_factory=dict)
    content_handling: str | None = None

    @classmethod
    def from_cfn(cls, raw: Mapping[str, Any]) -> IntegrationResponse:
        """One item of ``AWS::ApiGateway::Method`` ``Integration.IntegrationResponses``."""
        return cls(
            status_code=str(raw.get("StatusCode", "200")),
            selection_pattern=raw.get("SelectionPattern"),
            response_parameters=dict(raw.get("ResponseParameters") or {}),
            response_templates=dict(raw.get("ResponseTemplates") or {}),
            content_handling=raw.get("ContentHandling"),
        )


def integration_responses(integration: Mapping[str, Any]) -> list[IntegrationResponse]:
    """The integration responses of a CloudFormation ``Integration`` property."""
    return [IntegrationResponse.from_cfn(r) for r in integration.get("IntegrationResponses") or []]


def lambda_error_message(payload: bytes | str, function_error: bool) -> str:
    """What a Lambda non-proxy selectionPattern is matched against: the ``errorMessage`` of
    a function error, the empty string for a success."""
    if not function_error:
        return ""
    try:
        parsed = json.loads(payload)
    except ValueError:
        return ""
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    return message if isinstance(message, str) else ""


def select_integration_response(
    responses: Sequence[IntegrationResponse], selector: str
) -> IntegrationResponse:
    """The first response whose pattern matches all of ``selector``, else the default one."""
    default: IntegrationResponse | None = None
    for response in responses:
        pattern = response.selection_pattern
        if not pattern:
            default = default or response
            continue
        try:
            matched = re.fullmatch(pattern, selector, flags=re.DOTALL)
        except re.error as exc:
            raise InvalidSelectionPattern(f"selectionPattern {pattern!r}: {exc}") from exc
        if matched:
            return response
    if default is None:
        raise NoIntegrationResponse(f"no integration response for {selector!r}")
    return default


def _custom_error_document(body: str, lambda_error: bool) -> Any:
    try:
        document = json.loads(body) if body else None
    except ValueError:
        return None
    if lambda_error and isinstance(document, dict):
        message = document.get("errorMessage")
        if isinstance(message, str):
            with contextlib.suppress(ValueError):
                document = {**document, "errorMessage": json.loads(message)}
    return document


def map_response_headers(
    response_parameters: Mapping[str, str],
    headers: Mapping[str, Sequence[str]],
    body: str,
    context: Mapping[str, Any],
    stage_variables: Mapping[str, str],
    lambda_error: bool = False,
) -> dict[str, str]:
    """The method response headers an integration response's ``responseParameters`` give.
    ``headers`` are the integration response's (every value of a repeated name)."""
    out: dict[str, str] = {}
    document: Any = None
    for target, expression in response_parameters.items():
        if not target.startswith("method.response.header."):
            raise MappingExpressionError(f"invalid method response parameter {target!r}")
        name = target.removeprefix("method.response.header.")
        expression = expression.strip()
        handled, value = source_value(expression, context, stage_variables)
        if handled:
            pass
        elif expression == "integration.response.body":
            value = body
        elif expression.startswith("integration.response.body."):
            if document is None:
                document = _custom_error_document(body, lambda_error)
            path = expression.removeprefix("integration.response.body.")
            value = body_value(document, path, parsed=True)
        elif expression.startswith("integration.response.header."):
            values = _values(headers, expression.removeprefix("integration.response.header."))
            value = values[-1] if values else None
        elif expression.startswith("integration.response.multivalueheader."):
            key = expression.removeprefix("integration.response.multivalueheader.")
            values = _values(headers, key)
            value = ",".join(values) if values else None
        else:
            raise MappingExpressionError(f"invalid mapping expression {expression!r}")
        if value is not None:
            out[name] = value
    return out


def _values(headers: Mapping[str, Sequence[str]], name: str) -> list[str]:
    lowered = name.lower()
    return [v for k, vs in headers.items() if k.lower() == lowered for v in vs]
