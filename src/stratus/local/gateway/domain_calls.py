"""API Gateway's custom domain reads for the domains the provisioner recorded (rest-json):
GetDomainNames, GetDomainName, GetBasePathMappings, GetBasePathMapping
(https://docs.aws.amazon.com/apigateway/latest/api/API_DomainName.html,
https://docs.aws.amazon.com/apigateway/latest/api/API_BasePathMapping.html).

moto never sees these domains (they are only recorded), so the answers come from the
Deployment, per region; a name that is not ours returns None and moto answers (a domain
created through the SDK). Mappings of any level to REST APIs are listed, as
GetBasePathMappings shows them (`(none)` for the empty base path).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.gateway.domains import DOMAIN_TYPES, NONE, domain_from_arn
from stratus.local.provision.model import Deployment, Resource

DeploymentSource = Callable[[], Deployment | None]
Handler = Callable[[AwsCall], Awaitable[Response | None]]


def operations(deployment_source: DeploymentSource) -> dict[str, Handler]:
    def domains(call: AwsCall) -> dict[str, Resource]:
        deployment = deployment_source()
        if deployment is None:
            return {}
        return {
            str(r.properties.get("DomainName") or r.physical_id).lower(): r
            for s in deployment.stacks.values()
            if s.region == call.region
            for r in s.resources.values()
            if r.type in DOMAIN_TYPES
        }

    def mappings(call: AwsCall, name: str) -> list[dict[str, Any]]:
        deployment = deployment_source()
        rest_ids = {
            r.physical_id
            for s in (deployment.stacks.values() if deployment else ())
            if s.region == call.region
            for r in s.resources.values()
            if r.type == "AWS::ApiGateway::RestApi"
        }
        out = []
        for r in deployment.resources() if deployment else ():
            props = r.properties
            if r.type == "AWS::ApiGateway::BasePathMapping":
                domain, base, api = (
                    props.get("DomainName"),
                    props.get("BasePath"),
                    props.get("RestApiId"),
                )
            elif r.type == "AWS::ApiGateway::BasePathMappingV2":
                domain = domain_from_arn(str(props.get("DomainNameArn", "")))
                base, api = props.get("BasePath"), props.get("RestApiId")
            elif r.type == "AWS::ApiGatewayV2::ApiMapping":
                domain, base, api = (
                    props.get("DomainName"),
                    props.get("ApiMappingKey"),
                    props.get("ApiId"),
                )
            else:
                continue
            if str(domain or "").lower() != name or str(api) not in rest_ids:
                continue
            item = {"basePath": str(base or "").strip("/") or NONE, "restApiId": str(api)}
            if props.get("Stage"):
                item["stage"] = str(props["Stage"])
            out.append(item)
        return sorted(out, key=lambda m: m["basePath"])

    def name_of(call: AwsCall) -> str:
        return unquote(call.labels.get("domain_name", "")).lower()

    async def get_domain_names(call: AwsCall) -> Response | None:
        found = domains(call)
        if not found:
            return None
        return _json({"item": [_domain(call, r) for r in found.values()]})

    async def get_domain_name(call: AwsCall) -> Response | None:
        found = domains(call).get(name_of(call))
        return None if found is None else _json(_domain(call, found))

    async def get_base_path_mappings(call: AwsCall) -> Response | None:
        name = name_of(call)
        if name not in domains(call):
            return None
        return _json({"item": mappings(call, name)})

    async def get_base_path_mapping(call: AwsCall) -> Response | None:
        name = name_of(call)
        if name not in domains(call):
            return None
        wanted = unquote(call.labels.get("base_path", "")).strip("/") or NONE
        for item in mappings(call, name):
            if item["basePath"] == wanted:
                return _json(item)
        return call.error(
            "NotFoundException", "Invalid base path mapping identifier specified", 404
        )

    return {
        "GetDomainNames": get_domain_names,
        "GetDomainName": get_domain_name,
        "GetBasePathMappings": get_base_path_mappings,
        "GetBasePathMapping": get_base_path_mapping,
    }


def _domain(call: AwsCall, res: Resource) -> dict[str, Any]:
    props, attrs = res.properties, res.attributes
    types = (props.get("EndpointConfiguration") or {}).get("Types") or ["EDGE"]
    body: dict[str, Any] = {
        "domainName": str(props.get("DomainName") or res.physical_id),
        "domainNameStatus": "AVAILABLE",
        "endpointConfiguration": {"types": types},
        "securityPolicy": props.get("SecurityPolicy") or "TLS_1_2",
    }
    for key, out in (
        ("CertificateArn", "certificateArn"),
        ("RegionalCertificateArn", "regionalCertificateArn"),
    ):
        if props.get(key):
            body[out] = props[key]
    for key, out in (
        ("RegionalDomainName", "regionalDomainName"),
        ("RegionalHostedZoneId", "regionalHostedZoneId"),
        ("DistributionDomainName", "distributionDomainName"),
        ("DistributionHostedZoneId", "distributionHostedZoneId"),
        ("DomainNameArn", "domainNameArn"),
    ):
        if attrs.get(key):
            body[out] = attrs[key]
    return body


def _json(body: dict[str, Any]) -> Response:
    return Response(content=json.dumps(body), media_type="application/json")
