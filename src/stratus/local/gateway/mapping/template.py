"""API Gateway's mapping template variables (``$input``, ``$util``, ``$context``,
``$stageVariables``) and :func:`render`.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
(the ``$input`` and ``$util`` tables are copied function by function below);
https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings.html.
``$util.toJson`` is not in API Gateway's ``$util`` table (it is AppSync's), so it is absent
here as there: ``$util.toJson(...)`` renders as nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from stratus.local.gateway.mapping.jsonpath import evaluate
from stratus.local.gateway.mapping.vtl import (
    MappingTemplateError,
    VtlMap,
    java_string,
    merge,
    to_plain,
    to_vtl,
)

__all__ = [
    "InputVariable",
    "MappingTemplateError",
    "Rendered",
    "TemplateInputs",
    "UtilVariable",
    "escape_javascript",
    "render",
    "render_mapping",
]

_NO_JSON = object()


@dataclass(frozen=True)
class TemplateInputs:
    """What a template sees. ``body`` is the payload being mapped: the method request's for a
    request template, the integration response's for a response template; ``path``,
    ``querystring`` and ``header`` are always the *method request's* parameters (single
    values: the gateway passes the last of a repeated one, as AWS does in its single-value
    maps). ``context`` is the ``$context`` tree (the proxy event's ``requestContext`` has the
    same names: requestId, extendedRequestId, identity.*, authorizer.*, httpMethod,
    resourcePath, path, stage, apiId, requestTime, requestTimeEpoch, domainName...)."""

    body: str = ""
    path: Mapping[str, str] = field(default_factory=dict)
    querystring: Mapping[str, str] = field(default_factory=dict)
    header: Mapping[str, str] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)


class InputVariable:
    """``$input``: body, json(x), params(), params(x), path(x)."""

    def __init__(self, inputs: TemplateInputs) -> None:
        self._inputs = inputs
        self._parsed: Any = _NO_JSON
        self._params = VtlMap(
            path=VtlMap(inputs.path),
            querystring=VtlMap(inputs.querystring),
            header=VtlMap(inputs.header),
        )

    @property
    def body(self) -> str:
        """ "Returns the raw request payload as a string." An empty payload is ``{}`` (AWS, as
        LocalStack records it in ``test_input_body_formatting``)."""
        return self._inputs.body or "{}"

    def _document(self) -> Any:
        if self._parsed is _NO_JSON:
            try:
                self._parsed = json.loads(self._inputs.body) if self._inputs.body else None
            except ValueError:
                self._parsed = None  # not JSON: no JSONPath matches
        return self._parsed

    def path(self, expression: str) -> Any:
        """ "Takes a JSONPath expression string (x) and returns a JSON object representation of
        the result" — maps and lists a template can walk (``.size()``, ``[0]``, ``.key``)."""
        return to_vtl(evaluate(java_string(expression), self._document()), json_values=True)

    def json(self, expression: str = "$") -> str:
        """ "Evaluates a JSONPath expression and returns the results as a JSON string"."""
        value = evaluate(java_string(expression), self._document())
        return json.dumps(
            "" if value is None else to_plain(value), separators=(",", ":"), ensure_ascii=False
        )

    def params(self, name: str | None = None) -> Any:
        """No argument: the map of all parameters (``path``, ``querystring``, ``header``).
        With a name: "the value of a method request parameter from the path, query string,
        or header value (searched in that order)"; headers match without regard to case."""
        if name is None:
            return self._params
        key = java_string(name)
        for table in (self._inputs.path, self._inputs.querystring):
            if key in table:
                return table[key]
        lowered = key.lower()
        for header, value in self._inputs.header.items():
            if header.lower() == lowered:
                return value
        return ""


def escape_javascript(value: Any) -> str:
    """Java's ``StringEscapeUtils.escapeJavaScript`` (commons-lang 2), which the reference
    describes: quotes (single ones too — "escaped single quotes are not valid in JSON"),
    backslash and ``/`` escaped, control characters as ``\\b \\n \\t \\f \\r`` or ``\\u00XX``,
    and every non-ASCII UTF-16 unit as ``\\uXXXX`` (upper-case hex)."""
    out: list[str] = []
    text = java_string(value)
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            hi, lo = divmod(code - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + hi:04X}\\u{0xDC00 + lo:04X}")
        elif code > 0x7F:
            out.append(f"\\u{code:04X}")
        elif code < 32:
            named = {8: "\\b", 10: "\\n", 9: "\\t", 12: "\\f", 13: "\\r"}
            out.append(named.get(code, f"\\u{code:04X}"))
        elif ch in "'\"\\/":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


class UtilVariable:
    """``$util``: the six functions of the reference's ``$util`` table (UTF-8 throughout)."""

    def escapeJavaScript(self, value: Any) -> str:
        return escape_javascript(value)

    def parseJson(self, value: Any) -> Any:
        """ "Takes 'stringified' JSON and returns an object representation of the result"; a
        string that is not JSON fails the template (500)."""
        try:
            return to_vtl(json.loads(java_string(value)), json_values=True)
        except ValueError as exc:
            raise ValueError(f"$util.parseJson: not JSON: {exc}") from exc

    def urlEncode(self, value: Any) -> str:
        """application/x-www-form-urlencoded as Java's URLEncoder: space → ``+``, ``*`` kept,
        ``~`` encoded."""
        return quote_plus(java_string(value), safe="*").replace("~", "%7E")

    def urlDecode(self, value: Any) -> str:
        return unquote_plus(java_string(value))

    def base64Encode(self, value: Any) -> str:
        return base64.b64encode(java_string(value).encode()).decode()

    def base64Decode(self, value: Any) -> str:
        try:
            return base64.b64decode(java_string(value), validate=True).decode(
                "utf-8", errors="replace"
            )
        except binascii.Error as exc:
            raise ValueError(f"$util.base64Decode: not base64: {exc}") from exc


@dataclass(frozen=True)
class Rendered:
    """A rendered template and the overrides it set
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html):
    ``$context.requestOverride.{header,querystring,path}.NAME`` in a request template,
    ``$context.responseOverride.header.NAME`` and ``$context.responseOverride.status`` in a
    response template."""

    body: str
    request_headers: dict[str, str]
    request_querystring: dict[str, str]
    request_path: dict[str, str]
    response_headers: dict[str, str]
    response_status: int | None


def namespace(inputs: TemplateInputs) -> dict[str, Any]:
    """The variables a template renders against."""
    context = to_vtl(inputs.context)
    context["requestOverride"] = VtlMap(header=VtlMap(), querystring=VtlMap(), path=VtlMap())
    context["responseOverride"] = VtlMap(header=VtlMap())
    return {
        "input": InputVariable(inputs),
        "util": UtilVariable(),
        "context": context,
        "stageVariables": VtlMap(inputs.stage_variables),
    }


def _strings(table: Any) -> dict[str, str]:
    if not isinstance(table, Mapping):
        return {}
    return {str(k): java_string(v) for k, v in table.items() if v is not None}


def _status(value: Any) -> int | None:
    """An override status outside 100-599 (or not a number) is ignored."""
    try:
        status = int(java_string(value))
    except ValueError:
        return None
    return status if 100 <= status <= 599 else None


def render_mapping(template: str, inputs: TemplateInputs) -> Rendered:
    """Render a mapping template and collect the overrides it set."""
    variables = namespace(inputs)
    body = merge(template, variables)
    request = variables["context"]["requestOverride"]
    response = variables["context"]["responseOverride"]
    return Rendered(
        body=body,
        request_headers=_strings(request.get("header")),
        request_querystring=_strings(request.get("querystring")),
        request_path=_strings(request.get("path")),
        response_headers=_strings(response.get("header")),
        response_status=_status(response["status"]) if "status" in response else None,
    )


def render(template: str, inputs: TemplateInputs) -> str:
    """Render a request or response mapping template.

    Raises :class:`MappingTemplateError` for a template that does not parse or fails while
    rendering (bad JSONPath, ``$util.parseJson`` of non-JSON, a Java method on the wrong
    type...): the gateway answers ``errors.CONFIGURATION_ERROR`` (500 ``Internal server
    error``, ``x-amzn-ErrorType: InternalServerErrorException``), AWS's answer for an API it
    cannot execute (supported-gateway-response-types.html, API_CONFIGURATION_ERROR).
    Unknown variables render as nothing, as in API Gateway.
    """
    return merge(template, namespace(inputs))
