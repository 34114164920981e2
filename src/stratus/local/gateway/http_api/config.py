"""Compile the deployment's HTTP APIs (API Gateway v2) into route tables, once, at start.

Reads AWS::ApiGatewayV2::{Api, Route, Integration, Authorizer, Stage} from the resolved
Deployment (the one source of truth). Only ProtocolType HTTP is served; WebSocket APIs are
recorded but not served (named once, at start, by the gateway's log).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from stratus.local.provision.model import Deployment, Resource

# AWS: HTTP API integrations time out after 30 s at most, 30 s by default
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
DEFAULT_TIMEOUT_MS = 30000
MAX_TIMEOUT_MS = 30000
DEFAULT_STAGE = "$default"
DEFAULT_ROUTE = "$default"
_FUNCTION_IN_URI = re.compile(r":lambda:path/2015-03-31/functions/(.+)/invocations$")


@dataclass(frozen=True)
class Integration:
    integration_id: str
    type: str  # AWS_PROXY | HTTP_PROXY | (others are not emulated: 500)
    uri: str  # function ARN (AWS_PROXY) or URL (HTTP_PROXY)
    method: str  # HTTP_PROXY's IntegrationMethod ("ANY": the request's)
    payload_version: str  # "2.0" | "1.0"
    timeout_ms: int


@dataclass(frozen=True)
class Authorizer:
    authorizer_id: str
    type: str  # JWT | REQUEST
    identity_sources: tuple[str, ...]  # "$request.header.Authorization", ...
    issuer: str = ""
    audience: tuple[str, ...] = ()
    function_arn: str | None = None
    payload_version: str = "2.0"
    simple_responses: bool = False
    ttl_seconds: int = 0


@dataclass(frozen=True)
class Route:
    route_id: str
    key: str  # "GET /items/{id}" or "$default"
    method: str  # "GET", "ANY", or "" for $default
    path: str  # "/items/{id}", or "" for $default
    integration: Integration | None
    authorization_type: str  # NONE | JWT | CUSTOM | AWS_IAM
    authorizer: Authorizer | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class RouteLimit:
    rate: float | None
    burst: int | None


@dataclass(frozen=True)
class Stage:
    api_id: str
    name: str
    auto_deploy: bool
    deployed: bool  # AutoDeploy, or a DeploymentId: a stage with neither serves nothing
    variables: dict[str, str]
    default_limit: RouteLimit
    route_limits: dict[str, RouteLimit]  # route key -> its RouteSettings
    access_log_arn: str | None
    access_log_format: str | None

    def limit_for(self, route_key: str) -> RouteLimit:
        own = self.route_limits.get(route_key)
        if own is None:
            return self.default_limit
        return RouteLimit(
            own.rate if own.rate is not None else self.default_limit.rate,
            own.burst if own.burst is not None else self.default_limit.burst,
        )


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    allow_credentials: bool
    max_age: int | None


@dataclass
class HttpApi:
    api_id: str
    name: str
    protocol: str
    cors: Cors | None
    disable_execute_api_endpoint: bool
    routes: list[Route] = field(default_factory=list)
    stages: dict[str, Stage] = field(default_factory=dict)


def compile_http_apis(deployment: Deployment) -> dict[str, HttpApi]:
    """Every HTTP API with its routes, integrations, authorizers and stages."""
    members: dict[str, list[Resource]] = {}
    for res in deployment.resources():
        if res.type.startswith("AWS::ApiGatewayV2::") and res.type != "AWS::ApiGatewayV2::Api":
            api_id = res.properties.get("ApiId")
            if isinstance(api_id, str):
                members.setdefault(api_id, []).append(res)
    apis: dict[str, HttpApi] = {}
    for res in deployment.resources("AWS::ApiGatewayV2::Api"):
        props = res.properties
        api = HttpApi(
            api_id=res.physical_id,
            name=str(props.get("Name") or res.physical_id),
            protocol=str(props.get("ProtocolType") or "HTTP").upper(),
            cors=_cors(props.get("CorsConfiguration")),
            disable_execute_api_endpoint=_bool(props.get("DisableExecuteApiEndpoint")),
        )
        own = members.get(res.physical_id, [])
        integrations = {
            r.physical_id: _integration(r)
            for r in own
            if r.type == "AWS::ApiGatewayV2::Integration"
        }
        authorizers = {
            r.physical_id: _authorizer(r) for r in own if r.type == "AWS::ApiGatewayV2::Authorizer"
        }
        api.routes = [
            _route(r, integrations, authorizers)
            for r in own
            if r.type == "AWS::ApiGatewayV2::Route"
        ]
        for r in own:
            if r.type == "AWS::ApiGatewayV2::Stage" and r.properties.get("StageName"):
                stage = _stage(res.physical_id, r.properties)
                api.stages[stage.name] = stage
        apis[api.api_id] = api
    return apis


def _bool(value: Any) -> bool:
    return str(value).lower() == "true"


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value or ())


def _cors(props: Any) -> Cors | None:
    if not isinstance(props, dict):
        return None
    max_age = props.get("MaxAge")
    return Cors(
        allow_origins=_strings(props.get("AllowOrigins")),
        allow_methods=tuple(m.upper() for m in _strings(props.get("AllowMethods"))),
        allow_headers=tuple(h.lower() for h in _strings(props.get("AllowHeaders"))),
        expose_headers=_strings(props.get("ExposeHeaders")),
        allow_credentials=_bool(props.get("AllowCredentials")),
        max_age=int(max_age) if max_age is not None else None,
    )


def _integration(res: Resource) -> Integration:
    props = res.properties
    kind = str(props.get("IntegrationType") or "").upper()
    uri = str(props.get("IntegrationUri") or "")
    if kind == "AWS_PROXY":
        found = _FUNCTION_IN_URI.search(uri)  # an invocations URI names the function too
        uri = found.group(1) if found else uri
    timeout = int(props.get("TimeoutInMillis") or DEFAULT_TIMEOUT_MS)
    default_version = "2.0" if kind == "AWS_PROXY" else "1.0"
    return Integration(
        integration_id=res.physical_id,
        type=kind,
        uri=uri,
        method=str(props.get("IntegrationMethod") or "ANY").upper(),
        payload_version=str(props.get("PayloadFormatVersion") or default_version),
        timeout_ms=min(max(timeout, 50), MAX_TIMEOUT_MS),
    )


def _authorizer(res: Resource) -> Authorizer:
    props = res.properties
    jwt = props.get("JwtConfiguration") or {}
    found = _FUNCTION_IN_URI.search(str(props.get("AuthorizerUri") or ""))
    return Authorizer(
        authorizer_id=res.physical_id,
        type=str(props.get("AuthorizerType") or "").upper(),
        identity_sources=_strings(props.get("IdentitySource")),
        issuer=str(jwt.get("Issuer") or ""),
        audience=_strings(jwt.get("Audience")),
        function_arn=found.group(1) if found else None,
        payload_version=str(props.get("AuthorizerPayloadFormatVersion") or "2.0"),
        simple_responses=_bool(props.get("EnableSimpleResponses")),
        ttl_seconds=int(props.get("AuthorizerResultTtlInSeconds") or 0),
    )


def _route(
    res: Resource, integrations: dict[str, Integration], authorizers: dict[str, Authorizer]
) -> Route:
    props = res.properties
    key = str(props.get("RouteKey") or "")
    method, _, path = key.partition(" ")
    if key == DEFAULT_ROUTE:
        method, path = "", ""
    target = str(props.get("Target") or "")
    integration_id = target.removeprefix("integrations/") if target else ""
    return Route(
        route_id=res.physical_id,
        key=key,
        method=method.upper(),
        path=path,
        integration=integrations.get(integration_id),
        authorization_type=str(props.get("AuthorizationType") or "NONE").upper(),
        authorizer=authorizers.get(str(props.get("AuthorizerId"))),
        scopes=_strings(props.get("AuthorizationScopes")),
    )


def _limit(settings: Any) -> RouteLimit:
    settings = settings if isinstance(settings, dict) else {}
    rate = settings.get("ThrottlingRateLimit")
    burst = settings.get("ThrottlingBurstLimit")
    return RouteLimit(
        rate=float(rate) if rate is not None else None,
        burst=int(burst) if burst is not None else None,
    )


def _stage(api_id: str, props: dict[str, Any]) -> Stage:
    log = props.get("AccessLogSettings") or {}
    route_settings = props.get("RouteSettings") or {}
    return Stage(
        api_id=api_id,
        name=str(props["StageName"]),
        auto_deploy=_bool(props.get("AutoDeploy")),
        deployed=_bool(props.get("AutoDeploy")) or bool(props.get("DeploymentId")),
        variables={str(k): str(v) for k, v in (props.get("StageVariables") or {}).items()},
        default_limit=_limit(props.get("DefaultRouteSettings")),
        route_limits={str(k): _limit(v) for k, v in route_settings.items()},
        access_log_arn=str(log["DestinationArn"]) if log.get("DestinationArn") else None,
        access_log_format=str(log["Format"]) if log.get("Format") else None,
    )
