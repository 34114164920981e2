"""The blog's OpenAPI document: API Gateway's export merged with the code's bodies, and the
committed copy (`sdk/blog/openapi.json`) current with the code. Its match with the running
stage's export is checked in tests/integration/test_blog_openapi.py."""

from __future__ import annotations

import json
from typing import Any

from stratus.blog.openapi import METHODS, code_document, committed, merge

SECURED: list[dict[str, list[str]]] = [{"StratusdevBlogApiAuthorizerABC": []}]
EXPORT: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "stratus-dev-blog", "version": "2026-11-30T12:00:00Z"},
    "servers": [{"url": "https://127.0.0.1:4443/restapis/abc/{basePath}"}],
    "paths": {
        "/api/posts/{slug}/comments": {
            "get": {"parameters": [{"name": "slug", "in": "path", "required": True,
                                    "schema": {"type": "string"}}], "responses": {}},
            "post": {"parameters": [{"name": "slug", "in": "path", "required": True,
                                     "schema": {"type": "string"}}],
                     "responses": {}, "security": SECURED},
            "options": {"responses": {"204": {"description": "204 response"}}},
        },
        "/api/subscriptions": {"post": {"responses": {}}},
        "/api/subscriptions/confirm": {"get": {"responses": {}}},
    },
    "components": {"securitySchemes": {"StratusdevBlogApiAuthorizerABC": {
        "type": "apiKey", "name": "Authorization", "in": "header"}}},
}  # fmt: skip


def test_merge_keeps_the_gateways_routes_and_security_with_the_codes_bodies() -> None:
    doc = merge(EXPORT, code_document())
    assert set(doc["paths"]) == set(EXPORT["paths"])
    comments = doc["paths"]["/api/posts/{slug}/comments"]
    assert set(comments) == {"get", "post"}  # CORS preflight dropped
    post = comments["post"]
    assert post["operationId"] == "add_comment"
    assert post["security"] == [{"cognito": []}] and "security" not in comments["get"]
    assert doc["components"]["securitySchemes"]["cognito"]["name"] == "Authorization"
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CommentCreate"}
    assert set(post["responses"]) == {"201", "400", "401"}
    assert set(doc["paths"]["/api/subscriptions"]["post"]["responses"]) == {"202", "400"}
    confirm = doc["paths"]["/api/subscriptions/confirm"]["get"]
    assert [(p["in"], p["name"]) for p in confirm["parameters"]] == [("query", "token")]
    schemas = doc["components"]["schemas"]
    assert {"CommentCreate", "Comment", "ErrorBody"} <= set(schemas)
    assert "HTTPValidationError" not in schemas and "422" not in json.dumps(doc["paths"])
    # Nothing of the stage or deployment is left in the document.
    text = json.dumps(doc)
    assert "Stratusdev" not in text and "restapis" not in text and "2026-" not in text


def test_committed_document_is_current_with_the_code() -> None:
    """Fails when a route's models, names or parameters changed without regenerating
    (`make blog-openapi`), or when the code has a route the document lacks."""
    doc = committed()
    assert merge(doc, code_document()) == doc, "sdk/blog/openapi.json is stale: make blog-openapi"
    code = code_document()["paths"]
    routes = {(p, m) for p, ops in code.items() for m in ops if m in METHODS}
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert routes <= documented, f"not in the document: {sorted(routes - documented)}"
