"""GetExport: a REST API stage as OpenAPI 3.0 (`oas30`) or Swagger 2.0 (`swagger`).

Shapes as API Gateway exports them (https://docs.aws.amazon.com/apigateway/latest/api/API_GetExport.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-export-api.html):
- `info.title` is the API's name, `info.version` the stage deployment's date
  ("2024-03-14T20:20:12Z") unless the API has a version; OAS 3.0 names the stage in a
  `basePath` server variable, Swagger in `host` + `basePath` — here the local gateway's URL
  for the stage (`core.settings.rest_api_url`).
- Parameters from RequestParameters (path parameters also from the resource path), request
  bodies from RequestModels, responses from MethodResponses ("200 response"); a method with
  no MethodResponses exports `"responses": {}` as AWS does (the API-key example of
  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-usage-plan-oas.html),
  which strict OpenAPI validators reject (`sdk.py` completes it before generating clients).
- Models become components/schemas (definitions), their model-URL `$ref`s rewritten.
- `security` and plain security schemes always; the `extensions` parameter adds
  `integrations` (x-amazon-apigateway-integration), `authorizers` (x-amazon-apigateway-
  authtype / -authorizer), `apigateway` (both, plus request validators, gateway responses,
  binary media types, API key source and policy). `postman` adds nothing locally.
- The body comes back as `application/octet-stream` with
  `Content-Disposition: attachment; filename="swagger_2020-01-13T13:15:44Z.json"`, as the AWS
  CLI shows it; `Accept: application/yaml` gives YAML.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import yaml

from stratus.local.gateway.export_body import ANY_METHOD, AUTHTYPE, INTEGRATION_FIELDS
from stratus.local.gateway.export_source import BUILT_IN_MODELS, ApiSource, MethodSource

EXPORT_TYPES = ("oas30", "swagger")
EXTENSIONS = ("integrations", "authorizers", "apigateway", "postman")
_LOCATIONS = {
    "path": "path",
    "querystring": "query",
    "multivaluequerystring": "query",
    "header": "header",
    "multivalueheader": "header",
}
_PATH_PARAM = re.compile(r"\{([^}]+?)\+?\}")
SIGV4 = "sigv4"
API_KEY = "api_key"


class ExportError(ValueError):
    """A request API Gateway answers with BadRequestException."""


def parse_extensions(value: str | None) -> set[str]:
    """`extensions='integrations,authorizers'` -> {"integrations", "authorizers"}."""
    wanted = {v.strip().strip("'\"").lower() for v in (value or "").split(",") if v.strip()}
    if "apigateway" in wanted:
        wanted |= {"integrations", "authorizers"}
    return wanted


def build_document(
    source: ApiSource, export_type: str, extensions: set[str], origin: str
) -> dict[str, Any]:
    """The export as a dict; `origin` is where the local gateway listens (https://host:port)."""
    if export_type not in EXPORT_TYPES:
        raise ExportError(f"No API exporter for type '{export_type}'")
    return _Renderer(source, export_type == "swagger", extensions).document(origin)


def serialize(document: dict[str, Any], accepts: str | None) -> tuple[bytes, str]:
    """(body, file extension) for the Accept header: JSON unless YAML is asked for."""
    if accepts and "yaml" in accepts.lower():
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        return text.encode(), "yaml"
    if accepts and "json" not in accepts.lower() and "*/*" not in accepts:
        raise ExportError(f"Unsupported export content type: {accepts}")
    return json.dumps(document, indent=2).encode(), "json"


def content_disposition(kind: str, version: str, extension: str) -> str:
    return f'attachment; filename="{kind}_{version}.{extension}"'


class _Renderer:
    def __init__(self, source: ApiSource, swagger: bool, extensions: set[str]) -> None:
        self.src = source
        self.swagger = swagger
        self.ext = extensions
        self.ref_base = "#/definitions/" if swagger else "#/components/schemas/"
        self.used_models: set[str] = set()
        self.schemes: dict[str, dict[str, Any]] = {}

    # -- document ---------------------------------------------------------------------
    def document(self, origin: str) -> dict[str, Any]:
        src = self.src
        info: dict[str, Any] = {"title": src.name, "version": src.version}
        if src.description:
            info["description"] = src.description
        doc: dict[str, Any]
        base_path = f"/restapis/{src.api_id}"
        if self.swagger:
            doc = {
                "swagger": "2.0",
                "info": {
                    "version": src.version,
                    **{k: v for k, v in info.items() if k != "version"},
                },
                "host": origin.split("://", 1)[-1],
                "basePath": f"{base_path}/{src.stage}",
                "schemes": ["https"],
            }
        else:
            doc = {
                "openapi": "3.0.1",
                "info": info,
                "servers": [
                    {
                        "url": f"{origin}{base_path}/{{basePath}}",
                        "variables": {"basePath": {"default": src.stage}},
                    }
                ],
            }
        doc["paths"] = self.paths()
        models = {name: self.model(name) for name in self.model_names()}
        if self.swagger:
            if self.schemes:
                doc["securityDefinitions"] = self.schemes
            if models:
                doc["definitions"] = models
        else:
            components: dict[str, Any] = {}
            if models:
                components["schemas"] = models
            if self.schemes:
                components["securitySchemes"] = self.schemes
            doc["components"] = components
        doc.update(self.top_level_extensions())
        return doc

    def model_names(self) -> list[str]:
        declared = [n for n in self.src.models if n not in BUILT_IN_MODELS]
        built_in = [n for n in BUILT_IN_MODELS if n in self.used_models or n in self.src.models]
        return sorted(declared) + built_in

    def model(self, name: str) -> dict[str, Any]:
        schema = copy.deepcopy(self.src.models.get(name) or BUILT_IN_MODELS.get(name) or {})
        schema.pop("$schema", None)  # no JSON Schema dialect in an OpenAPI schema object
        return _rewrite_refs(schema, self.ref_base)

    def top_level_extensions(self) -> dict[str, Any]:
        src = self.src
        out: dict[str, Any] = {}
        if "integrations" in self.ext and src.binary_media_types:
            out["x-amazon-apigateway-binary-media-types"] = src.binary_media_types
        if "apigateway" not in self.ext:
            return out
        if src.validators:
            out["x-amazon-apigateway-request-validators"] = src.validators
        if src.gateway_responses:
            out["x-amazon-apigateway-gateway-responses"] = {
                kind: _fields(props, _RESPONSE_OUT)
                for kind, props in sorted(src.gateway_responses.items())
            }
        if src.api_key_source:
            out["x-amazon-apigateway-api-key-source"] = src.api_key_source
        if src.minimum_compression_size is not None:
            out["x-amazon-apigateway-minimum-compression-size"] = src.minimum_compression_size
        if src.policy:
            out["x-amazon-apigateway-policy"] = (
                json.loads(src.policy) if isinstance(src.policy, str) else src.policy
            )
        return out

    # -- paths ------------------------------------------------------------------------
    def paths(self) -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        for method in self.src.methods:
            key = ANY_METHOD if method.http_method == "ANY" else method.http_method.lower()
            paths.setdefault(method.path, {})[key] = self.operation(method)
        return dict(sorted(paths.items()))

    def operation(self, method: MethodSource) -> dict[str, Any]:
        props = method.props
        op: dict[str, Any] = {}
        if props.get("OperationName"):
            op["operationId"] = props["OperationName"]
        request_models = {k: str(v) for k, v in (props.get("RequestModels") or {}).items()}
        response_types = sorted(
            {ct for r in props.get("MethodResponses") or () for ct in r.get("ResponseModels") or {}}
        )
        if self.swagger and request_models:
            op["consumes"] = sorted(request_models)
        if self.swagger and response_types:
            op["produces"] = response_types
        params = self.parameters(method)
        if self.swagger:
            params += [
                {"in": "body", "name": name, "required": True, "schema": self.ref(name)}
                for name in sorted(set(request_models.values()))
            ]
        if params:
            op["parameters"] = params
        if request_models and not self.swagger:
            op["requestBody"] = {
                "content": {ct: {"schema": self.ref(n)} for ct, n in request_models.items()},
                "required": True,
            }
        op["responses"] = self.responses(props.get("MethodResponses") or [])
        security = self.security(method)
        if security:
            op["security"] = security
        if "apigateway" in self.ext and method.validator:
            op["x-amazon-apigateway-request-validator"] = method.validator
        if "integrations" in self.ext and props.get("Integration"):
            op["x-amazon-apigateway-integration"] = _integration(props["Integration"])
        return op

    def parameters(self, method: MethodSource) -> list[dict[str, Any]]:
        declared: dict[tuple[str, str], bool] = {}
        for name in _PATH_PARAM.findall(method.path):
            declared[("path", name)] = True
        for key, required in (method.props.get("RequestParameters") or {}).items():
            parts = str(key).split(".", 3)  # method.request.querystring.name
            if len(parts) == 4 and parts[2] in _LOCATIONS:
                where = _LOCATIONS[parts[2]]
                declared[(where, parts[3])] = where == "path" or bool(required)
        out = []
        for (where, name), required in declared.items():
            param: dict[str, Any] = {"name": name, "in": where}
            if required:
                param["required"] = True
            if self.swagger:
                param["type"] = "string"
            else:
                param["schema"] = {"type": "string"}
            out.append(param)
        return out

    def responses(self, method_responses: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for response in method_responses:
            status = str(response.get("StatusCode"))
            entry: dict[str, Any] = {"description": f"{status} response"}
            headers = {
                str(k).rsplit(".", 1)[-1]: {"type": "string"}
                if self.swagger
                else {"schema": {"type": "string"}}
                for k in response.get("ResponseParameters") or {}
                if str(k).startswith("method.response.header.")
            }
            if headers:
                entry["headers"] = headers
            models = response.get("ResponseModels") or {}
            if self.swagger:
                if models:
                    entry["schema"] = self.ref(str(next(iter(models.values()))))
            else:
                entry["content"] = {ct: {"schema": self.ref(str(n))} for ct, n in models.items()}
            out[status] = entry
        return out

    def ref(self, model: str) -> dict[str, str]:
        self.used_models.add(model)
        return {"$ref": self.ref_base + model}

    # -- security ---------------------------------------------------------------------
    def security(self, method: MethodSource) -> list[dict[str, list[str]]]:
        props = method.props
        requirement: dict[str, list[str]] = {}
        kind = str(props.get("AuthorizationType") or "NONE").upper()
        if kind == "AWS_IAM":
            self.schemes[SIGV4] = {"type": "apiKey", "name": "Authorization", "in": "header"}
            if "authorizers" in self.ext:
                self.schemes[SIGV4][AUTHTYPE] = "awsSigv4"
            requirement[SIGV4] = []
        elif kind in ("COGNITO_USER_POOLS", "CUSTOM") and method.authorizer:
            self.schemes[method.authorizer] = self.authorizer_scheme(method.authorizer)
            scopes = props.get("AuthorizationScopes") if kind == "COGNITO_USER_POOLS" else None
            requirement[method.authorizer] = list(scopes or [])
        if props.get("ApiKeyRequired"):
            self.schemes[API_KEY] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
            requirement[API_KEY] = []
        return [requirement] if requirement else []

    def authorizer_scheme(self, name: str) -> dict[str, Any]:
        props = self.src.authorizers[name].props
        kind = str(props.get("Type", "")).upper()
        source = str(props.get("IdentitySource") or "method.request.header.Authorization")
        header = source.split(",")[0].strip().rsplit(".", 1)[-1]
        scheme: dict[str, Any] = {
            "type": "apiKey",
            "name": "Unused" if kind == "REQUEST" else header,
            "in": "header",
        }
        if "authorizers" not in self.ext:
            return scheme
        ext: dict[str, Any] = {"type": kind.lower()}
        if kind == "COGNITO_USER_POOLS":
            scheme[AUTHTYPE] = "cognito_user_pools"
            ext["providerARNs"] = list(props.get("ProviderARNs") or [])
        else:
            scheme[AUTHTYPE] = "custom"
            for cfn, key in (
                ("AuthorizerUri", "authorizerUri"),
                ("AuthorizerCredentials", "authorizerCredentials"),
                ("IdentityValidationExpression", "identityValidationExpression"),
            ):
                if props.get(cfn):
                    ext[key] = props[cfn]
            if kind == "REQUEST":
                ext["identitySource"] = source
            ext["authorizerResultTtlInSeconds"] = int(
                props.get("AuthorizerResultTtlInSeconds", 300)
            )
        scheme["x-amazon-apigateway-authorizer"] = ext
        return scheme


_RESPONSE_OUT = (
    ("StatusCode", "statusCode"),
    ("ResponseParameters", "responseParameters"),
    ("ResponseTemplates", "responseTemplates"),
)


def _fields(values: dict[str, Any], fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {ext: values[cfn] for cfn, ext in fields if values.get(cfn) not in (None, {}, [])}


def _integration(props: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's Integration -> x-amazon-apigateway-integration (lower-case enums,
    integration responses keyed by selection pattern, "default" without one)."""
    out: dict[str, Any] = {"type": str(props.get("Type", "MOCK")).lower()}
    out.update(_fields(props, INTEGRATION_FIELDS))
    out["passthroughBehavior"] = str(props.get("PassthroughBehavior") or "WHEN_NO_MATCH").lower()
    responses = {}
    for response in props.get("IntegrationResponses") or ():
        pattern = response.get("SelectionPattern") or "default"
        responses[pattern] = _fields(
            response, (*_RESPONSE_OUT, ("ContentHandling", "contentHandling"))
        )
    if responses:
        out["responses"] = responses
    return out


def _rewrite_refs(value: Any, base: str) -> Any:
    """Model references (https://apigateway.amazonaws.com/restapis/ID/models/NAME) -> base+NAME."""
    if isinstance(value, list):
        return [_rewrite_refs(v, base) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key == "$ref" and isinstance(item, str) and not item.startswith("#/"):
            out[key] = base + item.rstrip("/").rsplit("/", 1)[-1]
        elif key == "$ref" and isinstance(item, str):
            out[key] = base + item.rsplit("/", 1)[-1]
        else:
            out[key] = _rewrite_refs(item, base)
    return out
