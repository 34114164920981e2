"""API Gateway v2's read calls for the HTTP APIs the provisioner recorded (rest-json).

moto never sees these APIs (they are only recorded), so GetApis, GetApi, GetRoutes,
GetStages and GetIntegrations answer here from the template's resources, per region
(https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html and its siblings).
An id that is not ours returns None, so moto answers (e.g. for an API created by the SDK).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.provision.model import Deployment, Resource, Stack

DeploymentSource = Callable[[], Deployment | None]
Handler = Callable[[AwsCall], Awaitable[Response | None]]


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _wire(value: Any) -> Any:
    """CloudFormation's PascalCase properties -> the API's camelCase members."""
    if isinstance(value, dict):
        return {_camel(str(k)): _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def _json(body: dict[str, Any]) -> Response:
    return Response(content=json.dumps(body), media_type="application/json")


def _api(stack: Stack, res: Resource) -> dict[str, Any]:
    props = res.properties
    body = {
        **_wire({k: v for k, v in props.items() if k not in ("Body", "BodyS3Location")}),
        "apiId": res.physical_id,
        "apiEndpoint": res.attributes.get("ApiEndpoint"),
        "name": props.get("Name") or res.logical_id,
        "protocolType": props.get("ProtocolType", "HTTP"),
        "routeSelectionExpression": props.get(
            "RouteSelectionExpression", "${request.method} ${request.path}"
        ),
        "apiKeySelectionExpression": props.get(
            "ApiKeySelectionExpression", "$request.header.x-api-key"
        ),
        "createdDate": res.updated or stack.created or None,
        "disableExecuteApiEndpoint": bool(props.get("DisableExecuteApiEndpoint", False)),
    }
    return {k: v for k, v in body.items() if v is not None}


def _member(res: Resource, id_name: str) -> dict[str, Any]:
    props = {k: v for k, v in res.properties.items() if k != "ApiId"}
    return {**_wire(props), id_name: res.physical_id}


def operations(deployment_source: DeploymentSource) -> dict[str, Handler]:
    def apis(call: AwsCall) -> dict[str, tuple[Stack, Resource]]:
        deployment = deployment_source()
        if deployment is None:
            return {}
        return {
            r.physical_id: (s, r)
            for s in deployment.stacks.values()
            if s.region == call.region
            for r in s.resources.values()
            if r.type == "AWS::ApiGatewayV2::Api"
        }

    def members(call: AwsCall, type_name: str) -> list[Resource] | None:
        hit = apis(call).get(call.labels.get("apiId", ""))
        if hit is None:
            return None
        api_id = hit[1].physical_id
        return [
            r
            for r in hit[0].resources.values()
            if r.type == type_name and str(r.properties.get("ApiId")) == api_id
        ]

    async def get_apis(call: AwsCall) -> Response | None:
        found = apis(call)
        if not found:
            return None
        return _json({"items": [_api(s, r) for s, r in found.values()]})

    async def get_api(call: AwsCall) -> Response | None:
        hit = apis(call).get(call.labels.get("apiId", ""))
        return None if hit is None else _json(_api(*hit))

    def listing(
        type_name: str, id_name: str, extra: Callable[[Resource], dict[str, Any]]
    ) -> Handler:
        async def handler(call: AwsCall) -> Response | None:
            found = members(call, type_name)
            if found is None:
                return None
            return _json({"items": [{**_member(r, id_name), **extra(r)} for r in found]})

        return handler

    def stage_extra(res: Resource) -> dict[str, Any]:
        return {
            "stageName": res.physical_id,
            "apiGatewayManaged": False,
            "autoDeploy": str(res.properties.get("AutoDeploy", "false")).lower() == "true",
        }

    return {
        "GetApis": get_apis,
        "GetApi": get_api,
        "GetRoutes": listing("AWS::ApiGatewayV2::Route", "routeId", lambda r: {}),
        "GetStages": listing("AWS::ApiGatewayV2::Stage", "stageName", stage_extra),
        "GetIntegrations": listing("AWS::ApiGatewayV2::Integration", "integrationId", lambda r: {}),
    }
