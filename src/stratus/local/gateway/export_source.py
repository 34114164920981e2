"""What an export reads: one REST API stage, gathered from the provisioned Deployment.

GetExport (https://docs.aws.amazon.com/apigateway/latest/api/API_GetExport.html) documents
the API a stage serves. Locally that API is the template's AWS::ApiGateway::{RestApi,
Resource, Method, Model, Authorizer, RequestValidator, GatewayResponse, Stage, Deployment}
resources (properties resolved by the provisioner), or, for an API defined by an OpenAPI
`Body` (CDK's SpecRestApi), that document. Both are read into the same neutral shape here
(`ApiSource`: methods with CloudFormation-shaped properties), so `export.py` renders one
shape into OpenAPI 3.0 or Swagger 2.0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stratus.local.gateway.export_body import methods_from_body
from stratus.local.provision.model import Deployment, Resource, Stack

# The two models every REST API has (https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html)
BUILT_IN_MODELS: dict[str, dict[str, Any]] = {
    "Empty": {"type": "object", "title": "Empty Schema"},
    "Error": {
        "type": "object",
        "properties": {"message": {"type": "string"}},
        "title": "Error Schema",
    },
}


@dataclass
class MethodSource:
    path: str  # "/todos/{id}"
    http_method: str  # "GET", "ANY"
    props: dict[str, Any]  # AWS::ApiGateway::Method properties (resolved)
    authorizer: str | None = None  # the authorizer's name
    validator: str | None = None  # the request validator's name


@dataclass
class AuthorizerSource:
    name: str
    props: dict[str, Any]  # AWS::ApiGateway::Authorizer properties


@dataclass
class ApiSource:
    api_id: str
    name: str
    stage: str
    version: str  # info.version: the API's version, else the stage deployment's date
    description: str | None = None
    methods: list[MethodSource] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorizers: dict[str, AuthorizerSource] = field(default_factory=dict)
    validators: dict[str, dict[str, bool]] = field(default_factory=dict)
    gateway_responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    binary_media_types: list[str] = field(default_factory=list)
    api_key_source: str | None = None
    policy: Any = None
    minimum_compression_size: int | None = None
    body_extensions: dict[str, Any] = field(default_factory=dict)  # x-amazon-* of a Body


class StageNotFound(LookupError):
    """The API exists (it is ours) but has no such stage."""


def find_api(deployment: Deployment, region: str, api_id: str) -> tuple[Stack, Resource] | None:
    for stack in deployment.stacks.values():
        if stack.region != region:
            continue
        for res in stack.resources.values():
            if res.type == "AWS::ApiGateway::RestApi" and res.physical_id == api_id:
                return stack, res
    return None


def api_source(stack: Stack, api: Resource, stage: str) -> ApiSource:
    """The API as `stage` serves it; StageNotFound when the API has no such stage."""
    members = [
        r
        for r in stack.resources.values()
        if r.type.startswith("AWS::ApiGateway::")
        and str(r.properties.get("RestApiId")) == api.physical_id
    ]
    deployment = _stage_deployment(members, stage)
    if deployment is None:
        raise StageNotFound(stage)
    props = api.properties
    body = props.get("Body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = None  # a YAML body: read as no resources (see export_body)
    info = body.get("info", {}) if isinstance(body, dict) else {}
    source = ApiSource(
        api_id=api.physical_id,
        name=str(props.get("Name") or info.get("title") or api.logical_id),
        stage=stage,
        version=str(info.get("version") or _aws_date(deployment.updated or stack.created)),
        description=props.get("Description") or info.get("description"),
        binary_media_types=list(props.get("BinaryMediaTypes") or ()),
        api_key_source=props.get("ApiKeySourceType"),
        policy=props.get("Policy"),
        minimum_compression_size=props.get("MinimumCompressionSize"),
    )
    if isinstance(body, dict):
        methods_from_body(body, source)
    _read_members(members, api, source)
    return source


def _stage_deployment(members: list[Resource], stage: str) -> Resource | None:
    deployments = {r.physical_id: r for r in members if r.type == "AWS::ApiGateway::Deployment"}
    for res in members:
        if res.type == "AWS::ApiGateway::Stage" and res.physical_id == stage:
            found = deployments.get(str(res.properties.get("DeploymentId")))
            return found or res
    for res in deployments.values():
        if res.properties.get("StageName") == stage:  # a stage made by the Deployment itself
            return res
    return None


def _aws_date(iso: str) -> str:
    """ISO 8601 as API Gateway writes dates in exports ("2024-03-14T20:20:12Z")."""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        when = datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read_members(members: list[Resource], api: Resource, source: ApiSource) -> None:
    by_type: dict[str, list[Resource]] = {}
    for res in members:
        by_type.setdefault(res.type, []).append(res)
    for res in by_type.get("AWS::ApiGateway::Model", []):
        schema = res.properties.get("Schema")
        if isinstance(schema, str):
            try:
                schema = json.loads(schema)
            except ValueError:
                schema = {}
        source.models[res.physical_id] = dict(schema or {})
    authorizers: dict[str, str] = {}
    for res in by_type.get("AWS::ApiGateway::Authorizer", []):
        name = str(res.properties.get("Name") or res.physical_id)
        authorizers[res.physical_id] = name
        source.authorizers[name] = AuthorizerSource(name, res.properties)
    validators: dict[str, str] = {}
    for res in by_type.get("AWS::ApiGateway::RequestValidator", []):
        name = str(res.properties.get("Name") or res.physical_id)
        validators[res.physical_id] = name
        source.validators[name] = {
            "validateRequestBody": bool(res.properties.get("ValidateRequestBody", False)),
            "validateRequestParameters": bool(
                res.properties.get("ValidateRequestParameters", False)
            ),
        }
    for res in by_type.get("AWS::ApiGateway::GatewayResponse", []):
        source.gateway_responses[str(res.properties.get("ResponseType"))] = res.properties
    paths = _resource_paths(by_type.get("AWS::ApiGateway::Resource", []), api)
    for res in by_type.get("AWS::ApiGateway::Method", []):
        path = paths.get(str(res.properties.get("ResourceId")))
        if path is None:
            continue
        props = res.properties
        source.methods.append(
            MethodSource(
                path=path,
                http_method=str(props.get("HttpMethod", "GET")).upper(),
                props=props,
                authorizer=authorizers.get(str(props.get("AuthorizerId"))),
                validator=validators.get(str(props.get("RequestValidatorId"))),
            )
        )
    source.methods.sort(key=lambda m: (m.path, m.http_method))


def _resource_paths(resources: list[Resource], api: Resource) -> dict[str, str]:
    """Resource id -> path ("/todos/{id}"); the root resource is "/"."""
    nodes = {r.physical_id: r for r in resources}
    root = str(api.attributes.get("RootResourceId") or "")
    if not root:  # without the attribute, the root is the one parent that is no Resource
        outside = {str(r.properties.get("ParentId")) for r in resources} - set(nodes)
        root = next(iter(outside), "")
    paths = {root: "/"}

    def path_of(resource_id: str, depth: int = 0) -> str | None:
        if resource_id in paths:
            return paths[resource_id]
        node = nodes.get(resource_id)
        if node is None or depth > 64:
            return None
        parent = path_of(str(node.properties.get("ParentId")), depth + 1)
        if parent is None:
            return None
        paths[resource_id] = parent.rstrip("/") + "/" + str(node.properties.get("PathPart"))
        return paths[resource_id]

    for resource_id in nodes:
        path_of(resource_id)
    return paths
