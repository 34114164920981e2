"""The non-proxy pipeline shared by AWS (Lambda and services), HTTP and MOCK integrations:
method request → integration request (template, parameter mapping, overrides) and backend
response → method response (integration response, header mapping, template, overrides).

https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html:
request parameters are mapped, then the request template renders the body and may override
parameters (``$context.requestOverride``, apigateway-override-request-response-parameters.html);
the integration response is selected by status code or error message, its response
parameters map headers, its template (chosen by Accept) renders the body and may override
status and headers (``$context.responseOverride``). A template that does not parse or fails,
a bad mapping expression, or no matching integration response is API Gateway's 500
API_CONFIGURATION_ERROR; an unmatched Content-Type under strict passthrough is its 415.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from stratus.local.gateway.integrations.base import (
    BackendResponse,
    IntegrationCall,
    IntegrationError,
    IntegrationResult,
    configuration_error,
)
from stratus.local.gateway.mapping.parameters import (
    MappingExpressionError,
    MethodRequest,
    map_request_parameters,
)
from stratus.local.gateway.mapping.responses import (
    InvalidSelectionPattern,
    NoIntegrationResponse,
    map_response_headers,
    select_integration_response,
)
from stratus.local.gateway.mapping.selection import (
    UnsupportedMediaType,
    media_type,
    select_request_template,
    select_response_template,
)
from stratus.local.gateway.mapping.template import (
    MappingTemplateError,
    TemplateInputs,
    render_mapping,
)
from stratus.local.gateway.proxy import is_binary

log = logging.getLogger("stratus.gateway")

DEFAULT_CONTENT_TYPE = "application/json"


@dataclass
class MappedRequest:
    """The integration request: body and the parameters mapped from the method request."""

    body: bytes
    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, list[str]] = field(default_factory=dict)
    content_type: str = DEFAULT_CONTENT_TYPE  # the template's key, or the request's type
    templated: bool = False


def convert_content(body: bytes, handling: str | None, binary: bool | None) -> bytes:
    """ContentHandling (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html):
    CONVERT_TO_TEXT base64-encodes a binary payload, CONVERT_TO_BINARY decodes a base64 text
    payload; a payload already of the wanted kind (``binary`` known) passes unchanged. A
    payload that is not base64 is AWS's API_CONFIGURATION_ERROR ("when base64 decoding
    fails on binary data", supported-gateway-response-types.html)."""
    if handling == "CONVERT_TO_TEXT" and binary is not False:
        return base64.b64encode(body)
    if handling == "CONVERT_TO_BINARY" and binary is not True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise configuration_error("CONVERT_TO_BINARY: the payload is not base64") from None
    return body


def _inputs(call: IntegrationCall, body: str, header: Mapping[str, str]) -> TemplateInputs:
    return TemplateInputs(
        body=body,
        path=call.path_params,
        querystring=call.req.query_map(),
        header=header,
        context=call.context,
        stage_variables=call.stage.variables,
    )


def _single_headers(call: IntegrationCall) -> dict[str, str]:
    # Names as the client sent them; the last value of a repeated header (as AWS).
    return {name: values[-1] for name, values in call.multi_headers.items()}


def map_request(
    call: IntegrationCall,
    header_view: Callable[[dict[str, str]], dict[str, str]] | None = None,
    *,
    templates: bool = True,
) -> MappedRequest:
    """Apply the integration's request parameters and (unless ``templates`` is False, as for
    HTTP_PROXY) its request template. ``header_view`` adjusts the headers the template sees
    (MOCK's local origins)."""
    spec = call.method.spec
    headers = _single_headers(call)
    if header_view is not None:
        headers = header_view(headers)
    try:
        choice = select_request_template(
            spec.request_templates if templates else {},
            call.hmap.get("content-type"),
            spec.passthrough if templates else None,
        )
    except UnsupportedMediaType as exc:
        raise IntegrationError(exc.error, str(exc)) from None
    raw = convert_content(
        call.req.body,
        spec.content_handling,
        is_binary(call.hmap.get("content-type"), call.api.binary_media_types),
    )
    text = raw.decode("utf-8", errors="replace")
    try:
        params = map_request_parameters(
            spec.request_parameters,
            MethodRequest(
                path=call.path_params,
                querystring=call.multi_query,
                header=call.multi_headers,
                body=text,
                context=call.context,
                stage_variables=call.stage.variables,
            ),
        )
    except MappingExpressionError as exc:
        raise configuration_error(f"request parameters: {exc}") from None
    mapped = MappedRequest(
        body=raw,
        path=params.path,
        querystring=params.querystring,
        headers=params.header,
        content_type=choice.content_type,
    )
    if choice.template is None:
        return mapped
    try:
        rendered = render_mapping(choice.template, _inputs(call, text, headers))
    except MappingTemplateError as exc:
        raise configuration_error(f"request template: {exc}") from None
    mapped.body = rendered.body.encode()
    mapped.templated = True
    mapped.path.update(rendered.request_path)
    for name, value in rendered.request_querystring.items():
        mapped.querystring[name] = [value]
    for name, value in rendered.request_headers.items():
        mapped.headers = {k: v for k, v in mapped.headers.items() if k.lower() != name.lower()}
        mapped.headers[name] = [value]
    return mapped


def map_response(
    call: IntegrationCall,
    backend: BackendResponse,
    header_value: Callable[[str], str] | None = None,
    header_view: Callable[[dict[str, str]], dict[str, str]] | None = None,
) -> IntegrationResult:
    """Turn the backend's answer into the method response through the integration
    responses. ``header_view`` and ``header_value`` adjust the request headers the template
    sees and the mapped header values (MOCK's local origins)."""
    spec = call.method.spec
    try:
        chosen = select_integration_response(spec.responses, backend.selector)
    except (NoIntegrationResponse, InvalidSelectionPattern) as exc:
        raise configuration_error(str(exc)) from None
    backend_type = next(
        (vs[-1] for k, vs in backend.headers.items() if k.lower() == "content-type" and vs), None
    )
    raw = convert_content(
        backend.body,
        chosen.content_handling,
        is_binary(backend_type, call.api.binary_media_types) if backend_type else None,
    )
    text = raw.decode("utf-8", errors="replace")
    try:
        mapped = map_response_headers(
            chosen.response_parameters,
            backend.headers,
            text,
            call.context,
            call.stage.variables,
            lambda_error=backend.lambda_error,
        )
    except MappingExpressionError as exc:
        raise configuration_error(f"response parameters: {exc}") from None
    try:
        status = int(chosen.status_code)
    except ValueError:
        raise configuration_error(f"status code {chosen.status_code!r}") from None
    headers = dict(mapped)
    body = raw
    choice = select_response_template(chosen.response_templates, call.hmap.get("accept"))
    content_type = choice.content_type if chosen.response_templates else DEFAULT_CONTENT_TYPE
    if choice.template is not None:
        seen = _single_headers(call)
        if header_view is not None:
            seen = header_view(seen)
        try:
            rendered = render_mapping(choice.template, _inputs(call, text, seen))
        except MappingTemplateError as exc:
            raise configuration_error(f"response template: {exc}") from None
        body = rendered.body.encode()
        if rendered.response_status is not None:
            status = rendered.response_status
        for name, value in rendered.response_headers.items():
            headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
            headers[name] = value
    if header_value is not None:
        headers = {k: header_value(v) for k, v in headers.items()}
    out = list(headers.items())
    if not any(k.lower() == "content-type" for k, _ in out):
        out.append(("Content-Type", media_type(content_type)))
    return IntegrationResult(status, out, body)
