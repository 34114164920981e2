"""The to-do API's OpenAPI document, generated from the route code and pydantic models.

Both resolvers are built with inert dependencies (nothing is called while generating) and
their documents merged. Security is the Cognito user pool authorizer: the ID token goes in
the `Authorization` header (API Gateway's Cognito authorizer reads it there, no "Bearer").
`python -m stratus.todo.openapi` prints it; the SDK is generated from this output, so
operation ids are part of the contract.
"""

from __future__ import annotations

import json
from typing import Any

from stratus.todo.api import Dependencies, build_files_app, build_todos_app
from stratus.todo.cursor import CursorCodec

TITLE = "stratus to-do API"
VERSION = "1.0.0"
IDEMPOTENCY_422 = "Idempotency-Key reused with a different body"
SERVER_PLACEHOLDER = "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"


def _unused() -> Any:
    raise RuntimeError("dependencies are not available while generating OpenAPI")


def _fix_validation_responses(doc: dict[str, Any]) -> None:
    """Powertools documents a 422 `HTTPValidationError` on every operation; our validation
    failures are 400 `ErrorBody` (runtime/responses.py). 422 stays only where we mean it."""
    for operations in doc["paths"].values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "204" in responses:
                responses["204"].pop("content", None)  # no body, whatever the annotation says
            if responses.get("422", {}).get("description") == "Validation Error":
                if operation.get("operationId") == "create_todo":
                    responses["422"] = {**responses["400"], "description": IDEMPOTENCY_422}
                else:
                    del responses["422"]
    text = json.dumps(doc["paths"])
    schemas = doc.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        if f"#/components/schemas/{name}" not in text:
            schemas.pop(name, None)


# API Gateway answers 401 and 403 itself, before the function runs, with its own body:
# `{"message": "..."}` and the error type in `x-amzn-ErrorType` — not the function's
# ErrorBody. The Cognito authorizer refuses a missing or invalid token with 401
# "Unauthorized" (an expired one: "The incoming token has expired"); a method or path the
# API does not have is 403 "Missing Authentication Token"
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
GATEWAY_MESSAGE = "GatewayMessage"
GATEWAY_SCHEMA: dict[str, Any] = {
    "title": GATEWAY_MESSAGE,
    "description": "API Gateway's own error body (no `error` object): "
    'the default gateway response template `{"message": $context.error.messageString}`.',
    "type": "object",
    "properties": {"message": {"type": "string", "title": "Message"}},
    "required": ["message"],
}
_GATEWAY_RESPONSES = {
    "401": (
        "missing, invalid or expired ID token: answered by API Gateway's Cognito authorizer "
        '(`{"message": "Unauthorized"}`, x-amzn-ErrorType UnauthorizedException)',
        "UnauthorizedException",
    ),
    "403": (
        "refused by API Gateway before the function runs: no such method on this path "
        '(`{"message": "Missing Authentication Token"}`, MissingAuthenticationTokenException) '
        "or a web ACL (ForbiddenException)",
        "MissingAuthenticationTokenException",
    ),
}


def _gateway_responses(doc: dict[str, Any]) -> None:
    """Every operation's 401 and 403 as API Gateway sends them (GATEWAY_SCHEMA)."""
    doc.setdefault("components", {}).setdefault("schemas", {})[GATEWAY_MESSAGE] = GATEWAY_SCHEMA
    ref = {"$ref": f"#/components/schemas/{GATEWAY_MESSAGE}"}
    for operations in doc["paths"].values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, (description, error_type) in _GATEWAY_RESPONSES.items():
                responses[status] = {
                    "description": description,
                    "headers": {
                        "x-amzn-ErrorType": {
                            "description": f"API Gateway's error type, e.g. {error_type}",
                            "schema": {"type": "string"},
                        }
                    },
                    "content": {"application/json": {"schema": ref}},
                }
            operation["responses"] = dict(sorted(responses.items()))


def openapi_document() -> dict[str, Any]:
    deps = Dependencies(
        todos=_unused, files=_unused, cursors=CursorCodec(_unused), idempotent_create=_unused
    )
    doc: dict[str, Any] = {}
    for app in (build_todos_app(deps), build_files_app(deps)):
        part = json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))
        if not doc:
            doc = part
            continue
        doc["paths"].update(part.get("paths", {}))
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(part.get("components", {}).get("schemas", {}))
    _fix_validation_responses(doc)
    _gateway_responses(doc)
    doc["info"]["description"] = "To-dos and per-user files. Authenticate with a Cognito ID token."
    doc["servers"] = [
        {
            "url": SERVER_PLACEHOLDER,
            "variables": {
                "api_id": {"default": "example"},
                "region": {"default": "us-east-1"},
                "stage": {"default": "prod"},
            },
        }
    ]
    doc.setdefault("components", {})["securitySchemes"] = {
        "cognito": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "description": "Cognito user pool ID token (no 'Bearer' prefix needed)",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
        }
    }
    doc["security"] = [{"cognito": []}]
    return doc


def main() -> None:
    print(json.dumps(openapi_document(), indent=2, sort_keys=False))


if __name__ == "__main__":
    main()
