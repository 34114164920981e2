"""Parameter mapping expressions and the integration request parameter mapping.

https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
("Integration request data mapping expressions"): an ``integration.request.{path,querystring,
header}.NAME`` takes ``method.request.{path,querystring,header}.NAME``,
``method.request.multivalue{querystring,header}.NAME``, ``method.request.body``,
``method.request.body.JSONPath`` (without its ``$.``), ``context.NAME``,
``stageVariables.NAME`` or ``'STATIC_VALUE'``. A source the request lacks maps to nothing:
the integration parameter is left out. :func:`source_value` is shared with the integration
response's ``responseParameters``, whose sources are listed in :mod:`.responses`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stratus.local.gateway.mapping.jsonpath import JsonPathError, evaluate

__all__ = [
    "IntegrationRequestParameters",
    "MappingExpressionError",
    "MethodRequest",
    "map_request_parameters",
    "source_value",
    "stringify",
]


class MappingExpressionError(ValueError):
    """A mapping expression AWS would refuse ("Invalid mapping expression specified")."""


@dataclass(frozen=True)
class MethodRequest:
    """The method request as parameter mapping sees it. ``querystring``/``header`` hold every
    value of a repeated name in order; the single-value sources take the last (as AWS)."""

    path: Mapping[str, str] = field(default_factory=dict)
    querystring: Mapping[str, Sequence[str]] = field(default_factory=dict)
    header: Mapping[str, Sequence[str]] = field(default_factory=dict)
    body: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)


@dataclass
class IntegrationRequestParameters:
    """What the integration request carries besides its body."""

    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, list[str]] = field(default_factory=dict)
    header: dict[str, list[str]] = field(default_factory=dict)


def stringify(value: Any) -> str:
    """A JSON value as a parameter: strings as they are, anything else as compact JSON
    (AWS maps a complex body property "as a JSON string")."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _get_ci(table: Mapping[str, Any], name: str) -> Any:
    lowered = name.lower()
    found = None
    for key, value in table.items():
        if key.lower() == lowered:
            found = value
    return found


def _context_value(context: Mapping[str, Any], dotted: str) -> Any:
    node: Any = context
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def body_value(body: str | Any, json_path: str, parsed: bool = False) -> str | None:
    """``….body.JSONPath``: the value at ``$.`` + path of a JSON body (None if absent or the
    body is not JSON)."""
    if parsed:
        document = body
    else:
        try:
            document = json.loads(body) if body else None
        except ValueError:
            return None
    try:
        value = evaluate("$." + json_path, document)
    except JsonPathError as exc:
        raise MappingExpressionError(str(exc)) from exc
    return None if value is None else stringify(value)


def source_value(
    expression: str,
    context: Mapping[str, Any],
    stage_variables: Mapping[str, str],
) -> tuple[bool, str | None]:
    """The sources every mapping accepts: ``'static'``, ``context.X``, ``stageVariables.X``.
    Returns (handled, value)."""
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return True, expression[1:-1]
    if expression.startswith("context."):
        value = _context_value(context, expression.removeprefix("context."))
        return True, None if value is None else _scalar(value)
    if expression.startswith("stageVariables."):
        return True, stage_variables.get(expression.removeprefix("stageVariables."))
    return False, None


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else stringify(value)


def _method_source(expression: str, request: MethodRequest) -> list[str] | None:
    """The value(s) of a method request source; None when the request lacks it."""
    handled, value = source_value(expression, request.context, request.stage_variables)
    if handled:
        return None if value is None else [value]
    if expression == "method.request.body":
        return [request.body]
    if expression.startswith("method.request.body."):
        found = body_value(request.body, expression.removeprefix("method.request.body."))
        return None if found is None else [found]
    location, _, name = expression.removeprefix("method.request.").partition(".")
    if not expression.startswith("method.request.") or not name:
        raise MappingExpressionError(f"invalid mapping expression {expression!r}")
    if location == "path":
        return [request.path[name]] if name in request.path else None
    if location in ("querystring", "multivaluequerystring"):
        values = list(request.querystring.get(name) or [])
    elif location in ("header", "multivalueheader"):
        values = list(_get_ci(request.header, name) or [])
    else:
        raise MappingExpressionError(f"invalid mapping expression {expression!r}")
    if not values:
        return None
    return values if location.startswith("multivalue") else values[-1:]


def map_request_parameters(
    request_parameters: Mapping[str, str] | None, request: MethodRequest
) -> IntegrationRequestParameters:
    """Apply an integration's ``requestParameters`` to the method request."""
    mapped = IntegrationRequestParameters()
    for target, expression in (request_parameters or {}).items():
        location, _, name = target.removeprefix("integration.request.").partition(".")
        if not target.startswith("integration.request.") or not name:
            raise MappingExpressionError(f"invalid integration parameter {target!r}")
        if location not in ("path", "querystring", "header"):
            raise MappingExpressionError(f"invalid integration parameter {target!r}")
        values = _method_source(expression.strip(), request)
        if values is None:
            continue
        if location == "path":
            mapped.path[name] = values[-1]
        elif location == "querystring":
            mapped.querystring[name] = values
        else:
            mapped.header[name] = values
    return mapped
