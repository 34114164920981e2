"""The ONE place errors become HTTP responses, plus the JSON/CORS conventions of our APIs.

Registered on a Powertools resolver with `register_error_handlers(app)`:
- any `StratusError` -> its own `status` and `to_body()` (statuses live in errors.py);
- Powertools `RequestValidationError` (pydantic body/query/header validation, malformed JSON)
  -> 400 `ValidationError` naming the field (Powertools' default is 422 with `loc` lists);
- Powertools `NotFoundError` (no route matched) -> 404 JSON; other `ServiceError`s keep their
  status; a body that is not JSON (by Content-Type) -> 415;
- anything else -> 500 `{"error": "InternalError", "message": "internal error", "request_id"}`,
  logged with the stack, which never reaches the client.

Body size is enforced by the JSON deserializer (`json_body_loader`) because Powertools parses
the body inside its validation middleware, before any handler or middleware of ours runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFound
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from stratus.runtime.bodies import safe_json_loads
from stratus.runtime.errors import StratusError, ValidationError

# Not in config.py because it is an HTTP concern shared by every API, not todo configuration.
ENV_CORS_ALLOW_ORIGIN = "CORS_ALLOW_ORIGIN"
MAX_BODY_BYTES = 64 * 1024
JSON = "application/json"

_LOCATIONS = {"body", "query", "header", "path", "cookie"}
_log = logging.getLogger("stratus.runtime.responses")


def cors_config(env: Mapping[str, str] | None = None) -> CORSConfig:
    """CORS for browser clients. `*` is acceptable as the default because the API is called
    with an `Authorization` header, never cookies, so credentials are not in play
    (`allow_credentials` stays False; a browser would refuse `*` with credentials anyway)."""
    env = os.environ if env is None else env
    origin = env.get(ENV_CORS_ALLOW_ORIGIN, "").strip() or "*"
    return CORSConfig(
        allow_origin=origin,
        allow_headers=["Idempotency-Key", "If-Match"],
        expose_headers=["ETag", "Location"],
        max_age=600,
    )


def json_body_loader(max_bytes: int = MAX_BODY_BYTES) -> Callable[[str], Any]:
    """A JSON deserializer for the resolver that refuses bodies over `max_bytes` (413) and
    what `json.loads` would fail on with a 500 (bodies.safe_json_loads: 400).

    JSONDecodeError is left to Powertools, which turns it into a RequestValidationError."""

    def load(body: str) -> Any:
        return safe_json_loads(body, max_bytes)

    return load


def json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> Response[Any]:
    return Response(status_code=status, content_type=JSON, body=body, headers=dict(headers or {}))


def error_response(error: StratusError, **extra: Any) -> Response[Any]:
    return json_response(error.status, {**error.to_body(), **extra})


def _field(loc: Any) -> str:
    """`("body", "title")` -> "title"; `("body", 12)` (JSON decode position) -> "body"."""
    parts = [str(p) for p in (loc or ()) if isinstance(p, str)]
    if len(parts) > 1 and parts[0] in _LOCATIONS:
        return parts[1]
    return parts[0] if parts else "body"


def validation_error(exc: RequestValidationError) -> ValidationError:
    errors = exc.errors()
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return ValidationError("malformed JSON body", field="body")
    field = _field(first.get("loc"))
    if first.get("type") == "extra_forbidden":
        return ValidationError(f"unknown field {field!r}", field=field)
    # pydantic's `msg` is safe to show (Powertools hides it only to avoid `input` echoes).
    message = str(first.get("msg") or "invalid value").removeprefix("Value error, ")
    return ValidationError(f"{field}: {message}", field=field)


def _request_id(app: APIGatewayRestResolver) -> str | None:
    context = app.current_event.raw_event.get("requestContext") or {}
    request_id = context.get("requestId") if isinstance(context, Mapping) else None
    if not request_id and app.lambda_context is not None:
        request_id = getattr(app.lambda_context, "aws_request_id", None)
    return request_id


def register_error_handlers(
    app: APIGatewayRestResolver, logger: logging.Logger | None = None
) -> None:
    """Install the mapping above on `app` (Powertools picks the most specific class)."""
    log: Any = logger or _log

    @app.exception_handler(StratusError)
    def _stratus(exc: StratusError) -> Response[Any]:
        if exc.status >= 500:
            log.exception("server error", extra={"request_id": _request_id(app)})
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[Any]:
        return error_response(validation_error(exc))

    @app.exception_handler(RequestUnsupportedContentType)
    def _media_type(exc: RequestUnsupportedContentType) -> Response[Any]:
        body = {"error": "UnsupportedMediaType", "message": "send application/json"}
        return json_response(415, body)

    @app.exception_handler(RouteNotFound)
    def _no_route(exc: RouteNotFound) -> Response[Any]:
        return json_response(404, {"error": "NotFound", "message": "no such route"})

    @app.exception_handler(ServiceError)
    def _service(exc: ServiceError) -> Response[Any]:
        return json_response(exc.status_code, {"error": type(exc).__name__, "message": exc.msg})

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[Any]:
        request_id = _request_id(app)
        log.exception("unhandled error", extra={"request_id": request_id})
        body = {"error": "InternalError", "message": "internal error", "request_id": request_id}
        return json_response(500, body)
