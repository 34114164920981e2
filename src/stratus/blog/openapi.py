"""The blog API's OpenAPI document: API Gateway's export of the deployed stage, with the
bodies the code declares.

API Gateway's export (GetExport, `oas30`) is the truth about what is served: every path and
method the CDK declared, its path and query parameters, and which methods need the Cognito
authorizer (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-export-api.html).
It knows no bodies (the API declares no models: the functions validate with pydantic), so
each exported operation takes its operation id, summary, request body and response schemas
from the Powertools document of the route code, built here with inert dependencies. The
export's CORS preflights (`OPTIONS`) and stage-specific parts (server URL, deployment date)
are dropped, so the document is the same for every stage and deployment.

`merge(export, code_document())` is the document; `sdk/blog_openapi.py` produces it from a
running cloud and writes `sdk/blog/openapi.json` (see its docstring); tests check the
committed copy against the code (unit) and the running export (integration).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from stratus.blog.api import Dependencies, build_admin_app, build_public_app
from stratus.blog.tokens import Cursors, Signer

TITLE = "stratus blog API (MyBlog.com)"
VERSION = "1.0.0"
SERVER_PLACEHOLDER = "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"
DOCUMENT = Path(__file__).resolve().parents[3] / "sdk" / "blog" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "patch", "head")
# What the routes answer on success where it is not 200 (their json_response codes).
SUCCESS = {"add_comment": 201, "create_post": 201, "create_upload": 201, "subscribe": 202}
_STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted"}
ERROR_BODY = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "title": "Error"},
        "message": {"type": "string", "title": "Message"},
        "details": {"anyOf": [{"type": "object"}, {"type": "null"}], "title": "Details"},
        "request_id": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Request Id"},
    },
}
COGNITO = "cognito"
COGNITO_SCHEME = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "description": "Cognito user pool ID token (no 'Bearer' prefix)",
}
_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def _unused() -> Any:
    raise RuntimeError("dependencies are not available while generating OpenAPI")


def code_document() -> dict[str, Any]:
    """The Powertools document of both resolvers (public and authors'), merged."""
    deps = Dependencies(
        posts=_unused,
        comments=_unused,
        subscriptions=_unused,
        publisher=_unused,
        cursors=Cursors(Signer(_unused, clock=_unused)),
    )
    doc: dict[str, Any] = {"paths": {}, "components": {"schemas": {}}}
    for app in (build_public_app(deps), build_admin_app(deps)):
        part = json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))
        for path, operations in part.get("paths", {}).items():
            doc["paths"].setdefault(path, {}).update(operations)
        doc["components"]["schemas"].update(part.get("components", {}).get("schemas", {}))
    return doc


def _operation(exported: dict[str, Any], coded: dict[str, Any] | None) -> dict[str, Any]:
    """The export's operation (parameters, security) with the code's bodies and names."""
    out = copy.deepcopy(exported)
    if coded is None:
        return out
    for key in ("operationId", "summary", "description", "requestBody"):
        if key in coded:
            out[key] = copy.deepcopy(coded[key])
    # The gateway's declared parameters typed by the code; then those only the code reads
    # (a Lambda proxy integration passes every query string through).
    by_name = {(p.get("in"), p.get("name")): p for p in coded.get("parameters", [])}
    params = []
    for param in out.get("parameters", []):
        found = by_name.pop((param.get("in"), param.get("name")), None)
        params.append({**param, **({"schema": found["schema"]} if found else {})})
    params += [copy.deepcopy(p) for p in by_name.values()]
    if params:
        out["parameters"] = params
    responses = copy.deepcopy(coded.get("responses", {}))
    ok = responses.pop("200", None)
    responses.pop("422", None)  # our validation failures are 400 ErrorBody
    status = SUCCESS.get(str(coded.get("operationId")), 200)
    if ok is not None:
        responses[str(status)] = {**ok, "description": _STATUS_TEXT[status]}
    error = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    }
    responses["400"] = {"description": "Invalid request", **error}
    if out.get("security"):
        responses["401"] = {"description": "Missing or invalid ID token", **error}
    out["responses"] = dict(sorted(responses.items()))
    return out


def merge(export: dict[str, Any], code: dict[str, Any]) -> dict[str, Any]:
    """One stage-independent document from API Gateway's export and the code's document."""
    paths: dict[str, Any] = {}
    for path, operations in sorted(export.get("paths", {}).items()):
        kept = {
            method: _operation(op, code.get("paths", {}).get(path, {}).get(method))
            for method, op in operations.items()
            if method in METHODS
        }
        if kept:
            paths[path] = kept
    schemas = {
        k: v for k, v in code.get("components", {}).get("schemas", {}).items()
        if k not in _VALIDATION_SCHEMAS
    }  # fmt: skip
    schemas["ErrorBody"] = ERROR_BODY
    components: dict[str, Any] = {"schemas": dict(sorted(schemas.items()))}
    # The Cognito authorizer's name is the CDK's, per stage: one stable scheme name instead.
    renamed = {name: COGNITO for name in export.get("components", {}).get("securitySchemes", {})}
    if renamed:
        components["securitySchemes"] = {COGNITO: COGNITO_SCHEME}
        for operations in paths.values():
            for operation in operations.values():
                if "security" in operation:
                    operation["security"] = [
                        {renamed.get(k, k): v for k, v in entry.items()}
                        for entry in operation["security"]
                    ]
    return {
        "openapi": "3.0.1",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Posts, comments and subscriptions for readers; posts and "
            "publishing for authors (the Cognito pool's `authors` group). Secured operations "
            "take a Cognito ID token in the Authorization header.",
        },
        "servers": [
            {
                "url": SERVER_PLACEHOLDER,
                "variables": {
                    "api_id": {"default": "example"},
                    "region": {"default": "us-east-1"},
                    "stage": {"default": "prod"},
                },
            }
        ],
        "paths": paths,
        "components": components,
    }


def committed() -> dict[str, Any]:
    """The document as committed in the repository."""
    return dict(json.loads(DOCUMENT.read_text()))


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def fetch_export(apigateway: Any, stage: str | None = None) -> dict[str, Any]:
    """GetExport (oas30) of the blog API (the REST API named `stratus-<stage>-blog`) at its
    stage, through any API Gateway client (the local cloud's endpoint, or AWS)."""
    apis = [a for a in apigateway.get_rest_apis(limit=500)["items"]
            if str(a.get("name", "")).startswith("stratus-")
            and str(a["name"]).endswith("-blog")
            and (stage is None or a["name"] == f"stratus-{stage}-blog")]  # fmt: skip
    if len(apis) != 1:
        names = sorted(str(a.get("name")) for a in apis)
        raise LookupError(f"expected one blog API, found {names or 'none'}")
    api = apis[0]
    stage = stage or str(api["name"])[len("stratus-") : -len("-blog")]
    answer = apigateway.get_export(restApiId=api["id"], stageName=stage, exportType="oas30")
    return dict(json.loads(answer["body"].read()))
