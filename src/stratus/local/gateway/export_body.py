"""An API defined by an OpenAPI `Body` (CDK's SpecRestApi), read into the export's shape.

API Gateway imports such a document into resources and methods and exports those again
(https://docs.aws.amazon.com/apigateway/latest/developerguide/import-edge-optimized-api.html,
the `x-amazon-apigateway-*` extensions:
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html).
Locally the Body stays as the template has it; this module reads it into the same
CloudFormation-shaped methods `export_source` reads from resources, so one renderer serves
both. OpenAPI 3.0 and Swagger 2.0 bodies are read; a YAML body given as a string is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stratus.local.gateway.export_source import ApiSource

# (CloudFormation Integration property, x-amazon-apigateway-integration field)
INTEGRATION_FIELDS = (
    ("IntegrationHttpMethod", "httpMethod"),
    ("Uri", "uri"),
    ("Credentials", "credentials"),
    ("RequestParameters", "requestParameters"),
    ("RequestTemplates", "requestTemplates"),
    ("PassthroughBehavior", "passthroughBehavior"),
    ("ContentHandling", "contentHandling"),
    ("TimeoutInMillis", "timeoutInMillis"),
    ("CacheNamespace", "cacheNamespace"),
    ("CacheKeyParameters", "cacheKeyParameters"),
    ("ConnectionType", "connectionType"),
    ("ConnectionId", "connectionId"),
)
RESPONSE_FIELDS = (
    ("StatusCode", "statusCode"),
    ("ResponseParameters", "responseParameters"),
    ("ResponseTemplates", "responseTemplates"),
    ("ContentHandling", "contentHandling"),
)
# OpenAPI "in" -> API Gateway's request parameter location
PARAMETER_IN = {"path": "path", "query": "querystring", "header": "header"}
VERBS = ("get", "put", "post", "delete", "options", "head", "patch")
ANY_METHOD = "x-amazon-apigateway-any-method"
AUTHORIZER = "x-amazon-apigateway-authorizer"
AUTHTYPE = "x-amazon-apigateway-authtype"


def methods_from_body(body: dict[str, Any], source: ApiSource) -> None:
    from stratus.local.gateway.export_source import AuthorizerSource, MethodSource

    swagger = "swagger" in body
    schemas = body.get("definitions") if swagger else body.get("components", {}).get("schemas")
    source.models.update({str(k): dict(v) for k, v in (schemas or {}).items()})
    schemes = (
        body.get("securityDefinitions")
        if swagger
        else body.get("components", {}).get("securitySchemes")
    ) or {}
    for name, scheme in schemes.items():
        if isinstance(scheme, dict) and isinstance(scheme.get(AUTHORIZER), dict):
            source.authorizers[name] = AuthorizerSource(name, _authorizer_props(scheme))
    for name, validator in (body.get("x-amazon-apigateway-request-validators") or {}).items():
        source.validators[name] = {k: bool(v) for k, v in validator.items()}
    for kind, response in (body.get("x-amazon-apigateway-gateway-responses") or {}).items():
        source.gateway_responses[kind] = _from_fields(response, RESPONSE_FIELDS)
    source.binary_media_types += list(body.get("x-amazon-apigateway-binary-media-types") or ())
    source.api_key_source = source.api_key_source or body.get("x-amazon-apigateway-api-key-source")
    source.policy = source.policy or body.get("x-amazon-apigateway-policy")
    default_validator = body.get("x-amazon-apigateway-request-validator")
    for path, item in (body.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        shared = [p for p in item.get("parameters") or () if isinstance(p, dict)]
        for key, op in item.items():
            if (key not in VERBS and key != ANY_METHOD) or not isinstance(op, dict):
                continue
            verb = "ANY" if key == ANY_METHOD else key.upper()
            props = _method_props(op, shared, schemes, swagger, body)
            authorizer = next(
                (n for req in op.get("security") or () for n in req if n in source.authorizers),
                None,
            )
            source.methods.append(
                MethodSource(
                    path=str(path),
                    http_method=verb,
                    props=props,
                    authorizer=authorizer,
                    validator=op.get("x-amazon-apigateway-request-validator") or default_validator,
                )
            )


def _method_props(
    op: dict[str, Any],
    shared: list[dict[str, Any]],
    schemes: dict[str, Any],
    swagger: bool,
    body: dict[str, Any],
) -> dict[str, Any]:
    props: dict[str, Any] = {"AuthorizationType": "NONE"}
    if op.get("operationId"):
        props["OperationName"] = op["operationId"]
    params: dict[str, bool] = {}
    models: dict[str, str] = {}
    for param in [*shared, *(op.get("parameters") or ())]:
        if not isinstance(param, dict):
            continue
        if param.get("in") == "body":
            for content_type in op.get("consumes") or body.get("consumes") or ["application/json"]:
                models[content_type] = _model_name(param.get("schema"))
        elif param.get("in") in PARAMETER_IN and param.get("name"):
            where = PARAMETER_IN[param["in"]]
            params[f"method.request.{where}.{param['name']}"] = bool(param.get("required"))
    content = (op.get("requestBody") or {}).get("content") or {}
    for content_type, media in content.items():
        models[content_type] = _model_name((media or {}).get("schema"))
    if params:
        props["RequestParameters"] = params
    if models:
        props["RequestModels"] = {k: v for k, v in models.items() if v}
    responses = []
    for status, response in (op.get("responses") or {}).items():
        if not isinstance(response, dict) or not str(status).isdigit():
            continue
        out: dict[str, Any] = {"StatusCode": str(status)}
        headers = response.get("headers") or {}
        if headers:
            out["ResponseParameters"] = {f"method.response.header.{h}": False for h in headers}
        response_models = {
            ct: _model_name((m or {}).get("schema"))
            for ct, m in (response.get("content") or {}).items()
        }
        if swagger and response.get("schema"):
            for ct in op.get("produces") or body.get("produces") or ["application/json"]:
                response_models[ct] = _model_name(response["schema"])
        if any(response_models.values()):
            out["ResponseModels"] = {k: v for k, v in response_models.items() if v}
        responses.append(out)
    if responses:
        props["MethodResponses"] = responses
    for requirement in op.get("security") or ():
        for name, scopes in requirement.items():
            scheme = schemes.get(name) or {}
            authtype = str(scheme.get(AUTHTYPE, "")).lower()
            if authtype == "awssigv4":
                props["AuthorizationType"] = "AWS_IAM"
            elif authtype == "cognito_user_pools":
                props["AuthorizationType"] = "COGNITO_USER_POOLS"
                if scopes:
                    props["AuthorizationScopes"] = list(scopes)
            elif isinstance(scheme.get(AUTHORIZER), dict):
                props["AuthorizationType"] = "CUSTOM"
            elif scheme.get("type") == "apiKey" and str(scheme.get("name")).lower() == "x-api-key":
                props["ApiKeyRequired"] = True
    integration = op.get("x-amazon-apigateway-integration")
    if isinstance(integration, dict):
        props["Integration"] = _integration_props(integration)
    return props


def _model_name(schema: Any) -> str:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return str(ref).rsplit("/", 1)[-1] if ref else ""


def _from_fields(values: dict[str, Any], fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {cfn: values[ext] for cfn, ext in fields if ext in values}


def _integration_props(ext: dict[str, Any]) -> dict[str, Any]:
    props = _from_fields(ext, INTEGRATION_FIELDS)
    props["Type"] = str(ext.get("type", "")).upper()
    if "PassthroughBehavior" in props:
        props["PassthroughBehavior"] = str(props["PassthroughBehavior"]).upper()
    responses = []
    for pattern, response in (ext.get("responses") or {}).items():
        out = _from_fields(response or {}, RESPONSE_FIELDS)
        if pattern != "default":
            out["SelectionPattern"] = pattern
        responses.append(out)
    if responses:
        props["IntegrationResponses"] = responses
    return props


def _authorizer_props(scheme: dict[str, Any]) -> dict[str, Any]:
    ext = scheme[AUTHORIZER]
    kind = str(ext.get("type", "")).upper()
    props: dict[str, Any] = {"Type": kind}
    if ext.get("providerARNs"):
        props["ProviderARNs"] = list(ext["providerARNs"])
    for cfn, key in (
        ("AuthorizerUri", "authorizerUri"),
        ("AuthorizerCredentials", "authorizerCredentials"),
        ("IdentityValidationExpression", "identityValidationExpression"),
        ("AuthorizerResultTtlInSeconds", "authorizerResultTtlInSeconds"),
        ("IdentitySource", "identitySource"),
    ):
        if key in ext:
            props[cfn] = ext[key]
    if "IdentitySource" not in props and scheme.get("in") == "header" and scheme.get("name"):
        props["IdentitySource"] = f"method.request.header.{scheme['name']}"
    return props
