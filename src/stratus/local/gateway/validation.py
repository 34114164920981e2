"""API Gateway's request body validation (REST APIs): a method whose RequestValidator has
ValidateRequestBody checks the body against the model its RequestModels names for the
request's content type, and fails the request with 400 before the integration.

Rules copied from
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html:
the model is the one for the request's content type, else the `$default` one; "If no
matching content type is found, request validation is not performed". Models are JSON
Schema draft 4 (https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html),
checked here with `jsonschema`. A body that is not UTF-8 JSON cannot match a model, so it is
refused too: that is where a body that is not valid UTF-8 stops, instead of reaching the
function with its bytes replaced by U+FFFD.

Numbers are read without Python's own limits (an integer literal of any length is a
number to a JSON Schema), so the gateway refuses only what the model refuses; what a
function's parser cannot take is the function's to answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError

DEFAULT_CONTENT_TYPE = "application/json"  # what API Gateway assumes without Content-Type


def body_model(models: Mapping[str, Any], content_type: str | None) -> Any | None:
    """The schema that applies to a request with this Content-Type, or None (no check)."""
    if not models:
        return None
    media = (content_type or DEFAULT_CONTENT_TYPE).split(";", 1)[0].strip().lower()
    lowered = {k.lower(): v for k, v in models.items()}
    return lowered.get(media, lowered.get("$default"))


def body_problem(schema: Any, body: bytes) -> str | None:
    """Why `body` does not match `schema` (for the logs), or None when it does."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"body is not valid UTF-8 (byte {e.start})"
    try:
        value = json.loads(text, parse_int=_number, parse_float=Decimal)
    except RecursionError:
        return "body is nested too deeply"
    except ValueError as e:
        return f"body is not JSON: {e}"
    validator = _validator(json.dumps(schema, sort_keys=True))
    if validator is None:
        return None  # a model the validator cannot read is not held against the caller
    error = next(iter(validator.iter_errors(value)), None)
    return None if error is None else f"body does not match the model: {error.message}"


def _number(text: str) -> int | Decimal:
    return int(text) if len(text) < 4000 else Decimal(text)


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft4Validator | None:
    schema = json.loads(schema_json)
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)  # CloudFormation allows the schema as a JSON string
        except ValueError:
            return None
    try:
        Draft4Validator.check_schema(schema)
    except SchemaError:
        return None
    return Draft4Validator(schema)
