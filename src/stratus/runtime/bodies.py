"""Request bodies, parsed the same safe way by every handler: JSON only, bounded.

Powertools parses a route's body inside its validation middleware, by Content-Type: JSON,
but also forms and multipart (which then reach the model as if they were JSON objects, and
a multipart type without a boundary raises a bare ValueError: a 500). Our APIs declare
`application/json` bodies only, so:

* `JsonOnlyValidation` replaces that middleware's body step: a body of any other declared
  type is 415 Unsupported Media Type naming it; a JSON (or undeclared) body goes through
  `safe_json_loads`.
* `safe_json_loads` is what `json.loads` would be without its failure modes that are not
  a JSONDecodeError (each a 500 before): nesting deeper than MAX_JSON_DEPTH (Python's own
  parser raises RecursionError near 1,000), integer literals longer than MAX_INT_DIGITS
  (Python refuses to convert more than 4,300 digits), NaN/Infinity (not JSON, RFC 8259
  section 6), and strings with lone surrogates (not Unicode: they cannot be stored or
  sent back). Each is a 400 `ValidationError` naming the problem, field "body".
"""

from __future__ import annotations

import json
import math
from typing import Any

from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)

from stratus.runtime.errors import PayloadTooLargeError, StratusError, ValidationError

MAX_JSON_DEPTH = 32
MAX_INT_DIGITS = 4300  # sys.get_int_max_str_digits() by default
JSON_MEDIA_TYPES = frozenset({"application/json"})


class UnsupportedMediaTypeError(StratusError):
    status = 415
    code = "UnsupportedMediaType"


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValidationError(f"integer literal longer than {MAX_INT_DIGITS} digits", field="body")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValidationError(f"number {text[:20]} is out of range", field="body")
    return value


def _constant(name: str) -> Any:
    raise ValidationError(f"{name} is not a JSON value", field="body")


def _check(value: Any) -> None:
    """Depth and string checks without recursion (the body may be hostile)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise ValidationError(
                    "string contains an unpaired surrogate (not valid Unicode)", field="body"
                ) from None
            continue
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValidationError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", field="body")
        stack.extend((child, depth + 1) for child in children)


def safe_json_loads(text: str | bytes, max_bytes: int | None = None) -> Any:
    """json.loads with the limits above; JSONDecodeError is left to the caller."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("body is not valid UTF-8", field="body") from None
    if max_bytes is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise PayloadTooLargeError(f"request body exceeds {max_bytes} bytes")
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise ValidationError(
            f"JSON nested deeper than {MAX_JSON_DEPTH} levels", field="body"
        ) from None
    _check(value)
    return value


class JsonOnlyValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, with bodies read as JSON only (see the module doc)."""

    def _get_body(self, app: Any) -> Any:
        content_type = app.current_event.headers.get("content-type") or ""
        media = content_type.split(";", 1)[0].strip().lower()
        if media and media not in JSON_MEDIA_TYPES:
            raise UnsupportedMediaTypeError(
                f"Content-Type {media} is not accepted: send application/json",
                details={"field": "Content-Type"},
            )
        return super()._get_body(app)


def install_json_only_validation(app: Any) -> None:
    """Use JsonOnlyValidation on a resolver made with enable_validation=True."""
    if not hasattr(app, "_request_validation_middleware"):
        raise ValueError("the resolver must be created with enable_validation=True")
    app._request_validation_middleware = JsonOnlyValidation()
