"""Compile the deployment's API Gateway resources into route tables, once, at start.

Reads AWS::ApiGateway::{RestApi, Resource, Method, Authorizer, Stage, Deployment,
GatewayResponse, RequestValidator, Model} and AWS::Cognito::UserPoolClient from the resolved
Deployment (the one source of truth) and builds, per stage, a tree of path segments so a
request is matched without touching the templates again.

A method's Integration property becomes an :class:`IntegrationSpec` (type, URI, credentials,
parameter and template mappings, passthrough behaviour, integration responses, timeout);
its request validator, required parameters and request models are kept for
``mapping.validation``, with one ``ModelSet`` per API built from its AWS::ApiGateway::Model
resources.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from stratus.local.gateway.mapping.responses import IntegrationResponse
from stratus.local.gateway.mapping.validation import InvalidModel, ModelSet, Validator
from stratus.local.provision.model import Deployment, Resource

log = logging.getLogger("stratus.gateway")

GREEDY_SUFFIX = "+}"
DEFAULT_TIMEOUT_MS = 29000
MAX_TIMEOUT_MS = 29000  # API Gateway's integration limit for REST APIs
MIN_TIMEOUT_MS = 50
DEFAULT_CACHE_TTL = 300
MAX_CACHE_TTL = 3600  # "The maximum TTL value is 3600 seconds" (api-gateway-caching.html)
_FUNCTION_IN_URI = re.compile(r":lambda:path/2015-03-31/functions/(.+)/invocations$")


DEFAULT_AUTHORIZER_TTL = 300  # AuthorizerResultTtlInSeconds when the template omits it


@dataclass
class Authorizer:
    authorizer_id: str
    type: str  # COGNITO_USER_POOLS | TOKEN | REQUEST
    header: str  # lower-cased header name from IdentitySource (TOKEN, Cognito)
    pool_ids: tuple[str, ...]
    client_ids: tuple[str, ...]
    name: str = ""
    function_arn: str | None = None  # the Lambda authorizer's function, from AuthorizerUri
    # Mapping expressions ("method.request.header.Auth", "method.request.querystring.x",
    # "stageVariables.x", "context.x"): the identity source, also the result cache key.
    identity_sources: tuple[str, ...] = ()
    validation_expression: str | None = None  # TOKEN: IdentityValidationExpression
    ttl: int = DEFAULT_AUTHORIZER_TTL  # AuthorizerResultTtlInSeconds; 0 = no cache


@dataclass
class ApiSecurity:
    """What a RestApi adds to its methods' authorization: its resource policy, where API
    keys come from, and which methods require one (ApiKeyRequired)."""

    policy: dict[str, Any] | None = None
    api_key_source: str = "HEADER"  # HEADER | AUTHORIZER
    api_key_required: frozenset[tuple[str, str]] = frozenset()  # (resource id, HTTP method)


@dataclass(frozen=True)
class IntegrationSpec:
    """A method's ``Integration`` property, parsed once
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-method-integration.html)."""

    type: str  # AWS | AWS_PROXY | HTTP | HTTP_PROXY | MOCK
    uri: str = ""
    http_method: str = "POST"  # IntegrationHttpMethod
    credentials: str | None = None  # a role ARN, or arn:aws:iam::*:user/* (the caller's)
    request_parameters: dict[str, str] = field(default_factory=dict)
    request_templates: dict[str, str] = field(default_factory=dict)
    passthrough: str | None = None  # PassthroughBehavior (AWS's default: WHEN_NO_MATCH)
    content_handling: str | None = None  # CONVERT_TO_TEXT | CONVERT_TO_BINARY
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    responses: tuple[IntegrationResponse, ...] = ()

    @property
    def function_arn(self) -> str | None:
        """The function of a Lambda integration (proxy or not), from its URI."""
        found = _FUNCTION_IN_URI.search(self.uri)
        return found.group(1) if found else None


@dataclass
class Method:
    http_method: str
    resource_id: str
    resource_path: str  # "/items/{id}"
    authorization_type: str
    authorizer: Authorizer | None
    scopes: tuple[str, ...]
    integration_type: str  # AWS_PROXY | MOCK | ...
    function_arn: str | None
    timeout_ms: int
    cache_key_parameters: tuple[str, ...]
    integration: dict[str, Any]  # the raw Integration property
    spec: IntegrationSpec = field(default_factory=lambda: IntegrationSpec("MOCK"))
    # Request validation: the method's validator, its declared request parameters
    # ("method.request.querystring.q": true = required) and models by content type.
    validator: Validator | None = None
    request_parameters: dict[str, Any] = field(default_factory=dict)
    request_models: dict[str, str] = field(default_factory=dict)
    # MethodResponses: status code -> declared response parameters.
    method_responses: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Node:
    """One path segment of the resource tree."""

    resource_id: str
    path: str
    literal: dict[str, Node] = field(default_factory=dict)
    param: tuple[str, Node] | None = None  # ("id", node) for "{id}"
    greedy: tuple[str, Node] | None = None  # ("proxy", node) for "{proxy+}"
    methods: dict[str, Method] = field(default_factory=dict)


@dataclass(frozen=True)
class MethodSetting:
    rate: float | None
    burst: int | None
    caching: bool
    ttl: int
    # CachingEnabled set by a method-specific entry (not "*"): only then are methods other
    # than GET cached ("only GET methods have caching enabled by default",
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html).
    caching_explicit: bool = False
    # Per-key invalidation (`Cache-Control: max-age=0`). CloudFormation's MethodSetting has
    # no such properties: AWS's defaults (GetStage shows them) apply until an UpdateStage
    # patch changes them (stage_cache.py answers those patches).
    require_auth_for_cache_control: bool = True
    unauthorized_strategy: str = "SUCCEED_WITH_RESPONSE_HEADER"


@dataclass(frozen=True)
class CanarySettings:
    """A stage's canary (AWS::ApiGateway::Stage CanarySetting, or a Deployment's
    DeploymentCanarySettings; API_CanarySettings). `deployment_id` None: the stage's own."""

    percent_traffic: float = 0.0
    deployment_id: str | None = None
    stage_variable_overrides: dict[str, str] = field(default_factory=dict)
    use_stage_cache: bool = False

    @classmethod
    def from_cfn(cls, props: dict[str, Any], deployment_id: str | None = None) -> CanarySettings:
        return cls(
            percent_traffic=min(max(float(props.get("PercentTraffic") or 0.0), 0.0), 100.0),
            deployment_id=str(props.get("DeploymentId") or deployment_id or "") or None,
            stage_variable_overrides={
                str(k): str(v) for k, v in (props.get("StageVariableOverrides") or {}).items()
            },
            use_stage_cache=_flag(props.get("UseStageCache", False)),
        )


@dataclass
class Stage:
    api_id: str
    name: str
    deployment_id: str | None
    variables: dict[str, str]
    cache_cluster: bool
    settings: dict[tuple[str, str], MethodSetting]  # (resourcePath or "/*", method or "*")
    access_log_arn: str | None
    access_log_format: str | None
    canary: CanarySettings | None = None
    is_canary: bool = False  # this request's view of the stage is its canary (releases.py)
    tracing_enabled: bool = False  # TracingEnabled: X-Ray segments for its requests

    def setting_for(self, resource_path: str, method: str) -> MethodSetting | None:
        for key in ((resource_path, method), (resource_path, "*"), ("/*", method), ("/*", "*")):
            if key in self.settings:
                return self.settings[key]
        return None


@dataclass
class RestApi:
    api_id: str
    name: str
    root: Node
    binary_media_types: tuple[str, ...]
    gateway_responses: dict[str, dict[str, Any]]  # ResponseType -> properties
    stages: dict[str, Stage] = field(default_factory=dict)
    models: ModelSet | None = None  # the API's AWS::ApiGateway::Model schemas
    security: ApiSecurity = field(default_factory=ApiSecurity)


def compile_apis(deployment: Deployment) -> dict[str, RestApi]:
    """Every RestApi with its stages, resource tree and methods."""
    apis: dict[str, RestApi] = {}
    by_api: dict[str, list[Resource]] = {}
    for res in deployment.resources():
        if res.type.startswith("AWS::ApiGateway::") and res.type != "AWS::ApiGateway::RestApi":
            api_id = res.properties.get("RestApiId")
            if isinstance(api_id, str):
                by_api.setdefault(api_id, []).append(res)
    clients = _clients_by_pool(deployment)
    for rest in deployment.resources("AWS::ApiGateway::RestApi"):
        apis[rest.physical_id] = compile_api(rest, by_api.get(rest.physical_id, []), clients)
    return apis


def api_members(deployment: Deployment, api_id: str) -> list[Resource]:
    """The AWS::ApiGateway::* resources of one REST API (everything with its RestApiId)."""
    return [
        r
        for r in deployment.resources()
        if r.type.startswith("AWS::ApiGateway::")
        and r.type != "AWS::ApiGateway::RestApi"
        and r.properties.get("RestApiId") == api_id
    ]


def compile_api(
    rest: Resource, members: list[Resource], clients: dict[str, list[str]] | None = None
) -> RestApi:
    """One RestApi from its resource and its members (the current template's, or a kept
    deployment snapshot's: releases.py)."""
    api_id = rest.physical_id
    clients = clients or {}
    root_id = str(rest.attributes.get("RootResourceId") or "")
    api = RestApi(
        api_id=api_id,
        name=str(rest.properties.get("Name", api_id)),
        root=_build_tree(members, root_id, _authorizers(members, clients), _validators(members)),
        binary_media_types=tuple(rest.properties.get("BinaryMediaTypes") or ()),
        gateway_responses={
            str(r.properties.get("ResponseType")): r.properties
            for r in members
            if r.type == "AWS::ApiGateway::GatewayResponse"
        },
        models=_models(api_id, members),
    )
    api.security = _api_security(rest.properties, members)
    for stage in _stages(members):
        api.stages[stage.name] = stage
    return api


def _clients_by_pool(deployment: Deployment) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for client in deployment.resources("AWS::Cognito::UserPoolClient"):
        pool = client.properties.get("UserPoolId")
        if isinstance(pool, str):
            out.setdefault(pool, []).append(client.physical_id)
    return out


def _authorizers(members: list[Resource], clients: dict[str, list[str]]) -> dict[str, Authorizer]:
    out: dict[str, Authorizer] = {}
    for res in members:
        if res.type != "AWS::ApiGateway::Authorizer":
            continue
        props = res.properties
        pools = tuple(str(arn).rsplit("/", 1)[-1] for arn in props.get("ProviderARNs") or ())
        kind = str(props.get("Type", ""))
        default_source = "" if kind == "REQUEST" else "method.request.header.Authorization"
        raw = str(props.get("IdentitySource") or default_source)
        sources = tuple(s.strip() for s in raw.split(",") if s.strip())
        found = _FUNCTION_IN_URI.search(str(props.get("AuthorizerUri") or ""))
        ttl = props.get("AuthorizerResultTtlInSeconds")
        out[res.physical_id] = Authorizer(
            authorizer_id=res.physical_id,
            type=kind,
            header=(sources[0] if sources else default_source).rsplit(".", 1)[-1].lower(),
            pool_ids=pools,
            client_ids=tuple(c for pool in pools for c in clients.get(pool, [])),
            name=str(props.get("Name") or res.logical_id),
            function_arn=found.group(1) if found else None,
            identity_sources=sources,
            validation_expression=str(props["IdentityValidationExpression"])
            if props.get("IdentityValidationExpression")
            else None,
            ttl=DEFAULT_AUTHORIZER_TTL if ttl is None else max(0, int(ttl)),
        )
    return out


def _flag(value: Any) -> bool:
    """A CloudFormation boolean (true, "true", "True")."""
    return str(value).lower() == "true"


def _api_security(props: dict[str, Any], members: list[Resource]) -> ApiSecurity:
    policy = props.get("Policy")
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            policy = None
    required = frozenset(
        (str(r.properties.get("ResourceId")), str(r.properties.get("HttpMethod", "")).upper())
        for r in members
        if r.type == "AWS::ApiGateway::Method"
        and str(r.properties.get("ApiKeyRequired", "false")).lower() == "true"
    )
    return ApiSecurity(
        policy=policy if isinstance(policy, dict) else None,
        api_key_source=str(props.get("ApiKeySourceType") or "HEADER").upper(),
        api_key_required=required,
    )


def _validators(members: list[Resource]) -> dict[str, Validator]:
    return {
        r.physical_id: Validator(
            validate_body=_flag(r.properties.get("ValidateRequestBody")),
            validate_parameters=_flag(r.properties.get("ValidateRequestParameters")),
        )
        for r in members
        if r.type == "AWS::ApiGateway::RequestValidator"
    }


def _models(api_id: str, members: list[Resource]) -> ModelSet | None:
    """The API's models by name (their physical id is the name), or None without any."""
    schemas: dict[str, Any] = {}
    for r in members:
        if r.type == "AWS::ApiGateway::Model" and r.properties.get("Schema") is not None:
            schema = r.properties["Schema"]
            if isinstance(schema, str):
                try:
                    schema = json.loads(schema)
                except ValueError:
                    log.warning("model %s: schema is not JSON; not used", r.physical_id)
                    continue
            schemas[str(r.physical_id or r.properties.get("Name"))] = schema
    if not schemas:
        return None
    try:
        return ModelSet(api_id, schemas)
    except InvalidModel as exc:  # AWS refuses such a model when it is created
        log.warning("API %s: %s; its models are not used", api_id, exc)
        return None


def _build_tree(
    members: list[Resource],
    root_id: str,
    authorizers: dict[str, Authorizer],
    validators: dict[str, Validator] | None = None,
) -> Node:
    resources = {r.physical_id: r for r in members if r.type == "AWS::ApiGateway::Resource"}
    if not root_id:
        # Without the RootResourceId attribute, the root is the parent that is no Resource.
        parents = {str(r.properties.get("ParentId")) for r in resources.values()}
        outside = parents - set(resources)
        root_id = next(iter(outside), "root")
    root = Node(resource_id=root_id, path="/")
    nodes: dict[str, Node] = {root_id: root}

    def node_for(resource_id: str, seen: frozenset[str] = frozenset()) -> Node | None:
        if resource_id in nodes:
            return nodes[resource_id]
        res = resources.get(resource_id)
        if res is None or resource_id in seen:
            return None
        parent = node_for(str(res.properties.get("ParentId")), seen | {resource_id})
        if parent is None:
            return None
        part = str(res.properties.get("PathPart", ""))
        node = Node(resource_id=resource_id, path=parent.path.rstrip("/") + "/" + part)
        if part.startswith("{") and part.endswith(GREEDY_SUFFIX):
            parent.greedy = (part[1:-2], node)
        elif part.startswith("{") and part.endswith("}"):
            parent.param = (part[1:-1], node)
        else:
            parent.literal[part] = node
        nodes[resource_id] = node
        return node

    for resource_id in resources:
        node_for(resource_id)
    for res in members:
        if res.type == "AWS::ApiGateway::Method":
            owner = nodes.get(str(res.properties.get("ResourceId")))
            if owner is not None:
                method = _method(res.properties, owner.path, authorizers, validators or {})
                owner.methods[method.http_method] = method
    return root


def _method(
    props: dict[str, Any],
    path: str,
    authorizers: dict[str, Authorizer],
    validators: dict[str, Validator] | None = None,
) -> Method:
    integration = props.get("Integration") or {}
    spec = integration_spec(integration)
    return Method(
        http_method=str(props.get("HttpMethod", "GET")).upper(),
        resource_id=str(props.get("ResourceId")),
        resource_path=path,
        authorization_type=str(props.get("AuthorizationType") or "NONE"),
        authorizer=authorizers.get(str(props.get("AuthorizerId"))),
        scopes=tuple(props.get("AuthorizationScopes") or ()),
        integration_type=spec.type,
        function_arn=spec.function_arn,
        timeout_ms=spec.timeout_ms,
        cache_key_parameters=tuple(integration.get("CacheKeyParameters") or ()),
        integration=integration,
        spec=spec,
        validator=(validators or {}).get(str(props.get("RequestValidatorId"))),
        request_parameters=dict(props.get("RequestParameters") or {}),
        request_models={str(k): str(v) for k, v in (props.get("RequestModels") or {}).items()},
        method_responses={
            str(r.get("StatusCode")): dict(r.get("ResponseParameters") or {})
            for r in props.get("MethodResponses") or ()
        },
    )


def integration_spec(integration: dict[str, Any]) -> IntegrationSpec:
    """Parse an ``Integration`` property. TimeoutInMillis is held to API Gateway's
    50-29,000 ms (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)."""
    timeout = int(integration.get("TimeoutInMillis") or DEFAULT_TIMEOUT_MS)
    passthrough = integration.get("PassthroughBehavior")
    return IntegrationSpec(
        type=str(integration.get("Type") or "MOCK").upper(),
        uri=str(integration.get("Uri") or ""),
        http_method=str(integration.get("IntegrationHttpMethod") or "POST").upper(),
        credentials=str(integration["Credentials"]) if integration.get("Credentials") else None,
        request_parameters={
            str(k): str(v) for k, v in (integration.get("RequestParameters") or {}).items()
        },
        request_templates={
            str(k): str(v) for k, v in (integration.get("RequestTemplates") or {}).items()
        },
        passthrough=str(passthrough).upper() if passthrough else None,
        content_handling=integration.get("ContentHandling"),
        timeout_ms=min(max(timeout, MIN_TIMEOUT_MS), MAX_TIMEOUT_MS),
        responses=tuple(
            IntegrationResponse.from_cfn(r) for r in integration.get("IntegrationResponses") or ()
        ),
    )


def _stages(members: list[Resource]) -> list[Stage]:
    out: list[Stage] = []
    for res in members:
        props = res.properties
        if res.type == "AWS::ApiGateway::Stage" and props.get("StageName"):
            out.append(_stage(str(props["RestApiId"]), str(props["StageName"]), props))
        elif res.type == "AWS::ApiGateway::Deployment" and props.get("StageName"):
            # A Deployment may create its stage inline, configured by StageDescription.
            desc = dict(props.get("StageDescription") or {})
            settings = list(desc.get("MethodSettings") or [])
            settings.insert(  # the flat properties are the `/*/*` defaults
                0,
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    **{k: desc[k] for k in _FLAT_SETTINGS if k in desc},
                },
            )
            desc["MethodSettings"] = settings
            desc.setdefault("DeploymentId", res.physical_id)
            if props.get("DeploymentCanarySettings"):
                continue  # a canary deployment never creates its stage (below)
            out.append(_stage(str(props["RestApiId"]), str(props["StageName"]), desc))
    # A Deployment with DeploymentCanarySettings becomes the canary of the (existing) stage
    # StageName; the stage keeps its deployment
    # (https://docs.aws.amazon.com/apigateway/latest/developerguide/create-canary-deployment.html).
    by_name = {s.name: s for s in out}
    for res in members:
        props = res.properties
        canary = props.get("DeploymentCanarySettings")
        if res.type == "AWS::ApiGateway::Deployment" and canary and props.get("StageName"):
            target = by_name.get(str(props["StageName"]))
            if target is None:
                log.warning(
                    "deployment %s: canary for stage %s, which does not exist; ignored",
                    res.physical_id,
                    props["StageName"],
                )
                continue
            target.canary = CanarySettings.from_cfn(canary, res.physical_id)
    return out


_FLAT_SETTINGS = (
    "ThrottlingRateLimit",
    "ThrottlingBurstLimit",
    "CachingEnabled",
    "CacheTtlInSeconds",
)


def _stage(api_id: str, name: str, props: dict[str, Any]) -> Stage:
    raw: dict[tuple[str, str], dict[str, Any]] = {}
    for ms in props.get("MethodSettings") or ():
        # ResourcePath escapes "/" as "~1" ("/~1items~1{id}"); "/*" means every resource.
        path = str(ms.get("ResourcePath", "/*"))
        if path != "/*":
            path = path.replace("~1", "/")
            path = path[1:] if path.startswith("//") else path
        raw[(path, str(ms.get("HttpMethod", "*")).upper())] = dict(ms)
    # A method override starts from the stage's `/*/*` settings and changes what it names, as
    # the console's "Override for this method" does.
    default = raw.get(("/*", "*"), {})
    settings = {
        key: method_setting(default | ms, explicit=key[1] != "*" and "CachingEnabled" in ms)
        for key, ms in raw.items()
    }
    log = props.get("AccessLogSetting") or {}
    return Stage(
        api_id=api_id,
        name=name,
        deployment_id=str(props["DeploymentId"]) if props.get("DeploymentId") else None,
        variables={str(k): str(v) for k, v in (props.get("Variables") or {}).items()},
        cache_cluster=_flag(props.get("CacheClusterEnabled", False)),
        settings=settings,
        access_log_arn=str(log["DestinationArn"]) if log.get("DestinationArn") else None,
        access_log_format=str(log["Format"]) if log.get("Format") else None,
        canary=CanarySettings.from_cfn(props["CanarySetting"], props.get("DeploymentId"))
        if props.get("CanarySetting")
        else None,
        tracing_enabled=_flag(props.get("TracingEnabled", False)),
    )


def method_setting(ms: dict[str, Any], *, explicit: bool = False) -> MethodSetting:
    """One MethodSetting. CacheDataEncrypted is read by nobody: the local cache lives in the
    gateway's memory only, never on disk, so there is nothing to encrypt."""
    rate = ms.get("ThrottlingRateLimit")
    burst = ms.get("ThrottlingBurstLimit")
    ttl = int(ms.get("CacheTtlInSeconds", DEFAULT_CACHE_TTL))
    if not 0 <= ttl <= MAX_CACHE_TTL:
        # AWS refuses such a stage at deployment; held to the limits here, and said so.
        log.warning("CacheTtlInSeconds %s is outside 0-%s; held to it", ttl, MAX_CACHE_TTL)
        ttl = min(max(ttl, 0), MAX_CACHE_TTL)
    return MethodSetting(
        rate=float(rate) if rate is not None else None,
        burst=int(burst) if burst is not None else None,
        caching=_flag(ms.get("CachingEnabled", False)),
        ttl=ttl,
        caching_explicit=explicit,
    )


def match(root: Node, segments: list[str]) -> tuple[Node, dict[str, str]] | None:
    """The resource for a path: literal segments win over {param}, which win over {proxy+}."""
    return _match(root, segments, 0, {})


def _match(
    node: Node, segs: list[str], i: int, params: dict[str, str]
) -> tuple[Node, dict[str, str]] | None:
    if i == len(segs):
        return node, params
    seg = segs[i]
    child = node.literal.get(seg)
    if child is not None:
        found = _match(child, segs, i + 1, params)
        if found is not None:
            return found
    if node.param is not None and seg:
        name, child = node.param
        found = _match(child, segs, i + 1, {**params, name: seg})
        if found is not None:
            return found
    if node.greedy is not None:
        name, child = node.greedy
        return child, {**params, name: "/".join(segs[i:])}
    return None
