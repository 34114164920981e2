"""API Gateway's read calls for the REST APIs the provisioner recorded (rest-json).

The local gateway serves REST APIs from the Deployment; moto never heard of them, so
GetRestApis, GetRestApi, GetResources, GetStages, GetStage and GetDeployments answer here
from the template's resources, per region
(https://docs.aws.amazon.com/apigateway/latest/api/API_GetRestApis.html). An id that is
not ours returns None (moto answers, e.g. for an API created through the SDK). Resources
imported from an OpenAPI `Body` are not listed (only those declared as resources).

UpdateStage answers for these APIs' stages with the live stage of the running gateway
(`releases.py`: deploymentId, variables, description, canarySettings — canary releases'
create, promote and remove) and, for the cache settings' patches, the running stage's cache
(`cache_calls.py`); GetStage(s) show it.

GetExport and GetSdk answer from the same Deployment (`export.py`, `sdk.py`), Body-defined
APIs included; they need the local settings for the stage URL and the SDK tools' cache.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.settings import LocalSettings
from stratus.local.gateway import export_calls
from stratus.local.gateway.cache_calls import CachePatcher, is_cache_patch
from stratus.local.gateway.canary import PatchError, canary_json
from stratus.local.gateway.releases import Releases
from stratus.local.gateway.stage_cache import PatchError as CachePatchError
from stratus.local.provision.model import Deployment, Resource, Stack

DeploymentSource = Callable[[], Deployment | None]
SettingsSource = Callable[[], LocalSettings | None]
ReleasesSource = Callable[[], Releases | None]
Handler = Callable[[AwsCall], Awaitable[Response | None]]


def operations(
    deployment_source: DeploymentSource,
    settings_source: SettingsSource | None = None,
    releases_source: ReleasesSource | None = None,
    cache_patcher: CachePatcher | None = None,
) -> dict[str, Handler]:
    def apis(call: AwsCall) -> dict[str, tuple[Stack, Resource]]:
        deployment = deployment_source()
        if deployment is None:
            return {}
        return {
            r.physical_id: (s, r)
            for s in deployment.stacks.values()
            if s.region == call.region
            for r in s.resources.values()
            if r.type == "AWS::ApiGateway::RestApi"
        }

    def of_api(stack: Stack, api_id: str, type_name: str) -> list[Resource]:
        return [
            r
            for r in stack.resources.values()
            if r.type == type_name and str(r.properties.get("RestApiId")) == api_id
        ]

    def ours(call: AwsCall) -> tuple[Stack, Resource] | None:
        return apis(call).get(call.labels.get("restapi_id", ""))

    async def get_rest_apis(call: AwsCall) -> Response | None:
        found = apis(call)
        if not found:
            return None
        return _json({"item": [_rest_api(s, r) for s, r in found.values()]})

    async def get_rest_api(call: AwsCall) -> Response | None:
        hit = ours(call)
        return None if hit is None else _json(_rest_api(*hit))

    async def get_resources(call: AwsCall) -> Response | None:
        hit = ours(call)
        if hit is None:
            return None
        stack, api = hit
        return _json({"item": _resources(stack, api, of_api)})

    def live(api_id: str, stage: dict[str, Any]) -> dict[str, Any]:
        """The stage as the running gateway has it (UpdateStage's changes, the canary)."""
        releases = releases_source() if releases_source is not None else None
        compiled = releases.apis.get(api_id) if releases is not None else None
        found = compiled.stages.get(stage["stageName"]) if compiled is not None else None
        if releases is None or found is None:
            return stage
        now = releases.live_stage(api_id, found)
        stage = {**stage, "deploymentId": now.deployment_id}
        stage.pop("variables", None)
        stage.pop("canarySettings", None)
        if now.variables:
            stage["variables"] = dict(now.variables)
        if now.canary is not None:
            stage["canarySettings"] = canary_json(now.canary)
        if now.description is not None:
            stage["description"] = now.description
        return stage

    async def get_stages(call: AwsCall) -> Response | None:
        hit = ours(call)
        if hit is None:
            return None
        stages = [live(hit[1].physical_id, s) for s in _stages(hit[0], hit[1], of_api)]
        wanted = call.params().get("deploymentId")
        return _json({"item": [s for s in stages if not wanted or s["deploymentId"] == wanted]})

    async def get_stage(call: AwsCall) -> Response | None:
        hit = ours(call)
        if hit is None:
            return None
        name = call.labels.get("stage_name")
        for stage in _stages(hit[0], hit[1], of_api):
            if stage["stageName"] == name:
                return _json(live(hit[1].physical_id, stage))
        return call.error("NotFoundException", "Invalid Stage identifier specified", 404)

    async def update_stage(call: AwsCall) -> Response | None:
        hit = ours(call)
        if hit is None:
            return None
        api_id, name = hit[1].physical_id, call.labels.get("stage_name")
        releases = releases_source() if releases_source is not None else None
        compiled = releases.apis.get(api_id) if releases is not None else None
        stage = compiled.stages.get(str(name)) if compiled is not None else None
        if releases is None or stage is None:
            return call.error("NotFoundException", "Invalid Stage identifier specified", 404)
        operations = call.json_body().get("patchOperations") or []
        cache_ops = [op for op in operations if is_cache_patch(op)]
        other_ops = [op for op in operations if not is_cache_patch(op)]
        try:
            cache_fields = cache_patcher(api_id, str(name), cache_ops) if cache_patcher else {}
            if other_ops or not cache_ops:
                releases.update_stage(api_id, stage, other_ops)
        except (PatchError, CachePatchError) as exc:
            return call.error("BadRequestException", str(exc), 400)
        for item in _stages(hit[0], hit[1], of_api):
            if item["stageName"] == name:
                return _json({**live(api_id, item), **cache_fields})
        return call.error("NotFoundException", "Invalid Stage identifier specified", 404)

    async def get_deployments(call: AwsCall) -> Response | None:
        hit = ours(call)
        if hit is None:
            return None
        stack, api = hit
        items = [
            {
                "id": d.physical_id,
                "description": d.properties.get("Description"),
                "createdDate": _epoch(d.updated or stack.created),
            }
            for d in of_api(stack, api.physical_id, "AWS::ApiGateway::Deployment")
        ]
        return _json({"item": [{k: v for k, v in i.items() if v is not None} for i in items]})

    def settings() -> LocalSettings:
        found = settings_source() if settings_source is not None else None
        return found or LocalSettings(project_root=Path("."), state_dir=Path(".stratus"))

    return {
        "GetExport": export_calls.get_export_handler(deployment_source, settings),
        "GetSdk": export_calls.get_sdk_handler(deployment_source, settings),
        "GetRestApis": get_rest_apis,
        "GetRestApi": get_rest_api,
        "GetResources": get_resources,
        "GetStages": get_stages,
        "GetStage": get_stage,
        "UpdateStage": update_stage,
        "GetDeployments": get_deployments,
    }


def _json(body: dict[str, Any]) -> Response:
    return Response(content=json.dumps(body), media_type="application/json")


def _epoch(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _rest_api(stack: Stack, api: Resource) -> dict[str, Any]:
    props = api.properties
    body: dict[str, Any] = {
        "id": api.physical_id,
        "name": props.get("Name") or api.logical_id,
        "createdDate": _epoch(api.updated or stack.created),
        "apiKeySource": props.get("ApiKeySourceType", "HEADER"),
        "endpointConfiguration": {
            "types": (props.get("EndpointConfiguration") or {}).get("Types") or ["EDGE"]
        },
        "rootResourceId": api.attributes.get("RootResourceId"),
        "disableExecuteApiEndpoint": bool(props.get("DisableExecuteApiEndpoint", False)),
    }
    for key, out in (("Description", "description"), ("BinaryMediaTypes", "binaryMediaTypes")):
        if props.get(key):
            body[out] = props[key]
    if props.get("Policy"):
        policy = props["Policy"]
        body["policy"] = policy if isinstance(policy, str) else json.dumps(policy)
    return body


def _resources(stack: Stack, api: Resource, of_api: Any) -> list[dict[str, Any]]:
    root = str(api.attributes.get("RootResourceId"))
    nodes = {r.physical_id: r for r in of_api(stack, api.physical_id, "AWS::ApiGateway::Resource")}
    methods: dict[str, dict[str, Any]] = {}
    for m in of_api(stack, api.physical_id, "AWS::ApiGateway::Method"):
        verb = str(m.properties.get("HttpMethod", "")).upper()
        methods.setdefault(str(m.properties.get("ResourceId")), {})[verb] = {
            "httpMethod": verb,
            "authorizationType": m.properties.get("AuthorizationType", "NONE"),
            "apiKeyRequired": bool(m.properties.get("ApiKeyRequired", False)),
        }

    def path(resource_id: str) -> str:
        parts: list[str] = []
        while resource_id in nodes:
            node = nodes[resource_id]
            parts.append(str(node.properties.get("PathPart")))
            resource_id = str(node.properties.get("ParentId"))
        return "/" + "/".join(reversed(parts))

    items: list[dict[str, Any]] = [{"id": root, "path": "/"}]
    for resource_id, node in nodes.items():
        items.append(
            {
                "id": resource_id,
                "parentId": str(node.properties.get("ParentId")),
                "pathPart": str(node.properties.get("PathPart")),
                "path": path(resource_id),
            }
        )
    for item in items:
        if item["id"] in methods:
            item["resourceMethods"] = methods[item["id"]]
    return sorted(items, key=lambda i: i["path"])


def _stages(stack: Stack, api: Resource, of_api: Any) -> list[dict[str, Any]]:
    stages = []
    for s in of_api(stack, api.physical_id, "AWS::ApiGateway::Stage"):
        props = s.properties
        stage: dict[str, Any] = {
            "stageName": s.physical_id,
            "deploymentId": props.get("DeploymentId"),
            "cacheClusterEnabled": bool(props.get("CacheClusterEnabled", False)),
            "tracingEnabled": bool(props.get("TracingEnabled", False)),
            "createdDate": _epoch(s.updated or stack.created),
            "lastUpdatedDate": _epoch(s.updated or stack.created),
        }
        if props.get("Description"):
            stage["description"] = props["Description"]
        if props.get("Variables"):
            stage["variables"] = props["Variables"]
        stages.append(stage)
    named = {s["stageName"] for s in stages}
    for d in of_api(stack, api.physical_id, "AWS::ApiGateway::Deployment"):
        name = d.properties.get("StageName")  # a Deployment with StageName makes that stage
        if name and name not in named:
            stages.append(
                {
                    "stageName": name,
                    "deploymentId": d.physical_id,
                    "createdDate": _epoch(d.updated or stack.created),
                }
            )
    return stages
