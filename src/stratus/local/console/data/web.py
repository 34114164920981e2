"""What the data pages' handlers share: query values read strictly (bad input is a 400
page, never a 500), links that keep the page's other query values, and AWS errors mapped
to console pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from botocore.exceptions import ClientError
from starlette.requests import Request
from starlette.responses import Response

from stratus.local.console.layout import ConsoleError, render

MAX_QUERY_VALUE = 4096
_MISSING = {
    "ResourceNotFoundException",
    "ResourceNotFound",
    "NoSuchBucket",
    "NoSuchKey",
    "NotFound",
    "404",
    "TableNotFoundException",
}
_INVALID = {
    "ValidationException",
    "ValidationError",
    "InvalidArgument",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "InvalidNextToken",
    "400",
}


def text(request: Request, name: str, limit: int = 1024) -> str:
    """A query value ("" when absent); 400 when longer than `limit`."""
    value = request.query_params.get(name) or ""
    if len(value) > min(limit, MAX_QUERY_VALUE):
        raise ConsoleError(400, f"The {name} value is too long (at most {limit} characters).")
    return value


def number(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConsoleError(400, f"{name} must be a whole number.") from None
    if not low <= value <= high:
        raise ConsoleError(400, f"{name} must be between {low} and {high}.")
    return value


def link(path: str, values: Mapping[str, Any]) -> str:
    """`path` with the non-empty `values` as its query string."""
    kept = {k: v for k, v in values.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept, doseq=True)}" if kept else path


def base(request: Request) -> str:
    """The console's own path ("/console"), for links a handler builds."""
    shell = request.scope.get("console_shell") or {}
    return str(shell.get("base") or "/console")


def segment(name: str) -> str:
    """A resource name as one path segment of a link."""
    return quote(name, safe="")


def aws_error(exc: ClientError, what: str) -> ConsoleError:
    """An AWS error as the console's page: missing → 404, refused input → 400."""
    error = exc.response.get("Error") or {}
    code = str(error.get("Code") or "")
    message = str(error.get("Message") or code)
    if code in _MISSING:
        return ConsoleError(404, f"{what} does not exist.")
    if code in _INVALID:
        return ConsoleError(400, f"{what}: {message}")
    raise exc


def page(request: Request, template: str, **values: Any) -> Response:
    """`layout.render` with the helpers the data pages' templates use (`segment`)."""
    return render(request, template, segment=segment, **values)
