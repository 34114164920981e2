"""AWS::ApiGatewayV2::* resources: only recorded; the local gateway serves the HTTP APIs.

Ids look like AWS's: an API id is 10 lowercase alphanumerics, routes and integrations 7,
authorizers and deployments 6. `ApiEndpoint` is AWS's
https://{apiId}.execute-api.{region}.amazonaws.com; outputs.json points it at the local
gateway (`provision/outputs.py`, `core/settings.py::http_api_url`).
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-api.html
and its sibling pages, "Return values".)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stratus.local.provision.provider import Attributes, Provider, ProviderContext
from stratus.local.provision.recorded import GeneratedIdProvider


class HttpApiProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        api_id = ctx.short_id(10)
        suffix = "amazonaws.com.cn" if ctx.region.startswith("cn-") else "amazonaws.com"
        endpoint = f"https://{api_id}.execute-api.{ctx.region}.{suffix}"
        if str(props.get("ProtocolType", "HTTP")).upper() == "WEBSOCKET":
            endpoint = f"wss://{api_id}.execute-api.{ctx.region}.{suffix}"
        return api_id, {"ApiId": api_id, "ApiEndpoint": endpoint}


class HttpStageProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return str(props["StageName"]), {}


class DomainNameProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props["DomainName"])
        regional = f"d-{ctx.short_id(10)}.execute-api.{ctx.region}.amazonaws.com"
        return name, {"RegionalDomainName": regional, "RegionalHostedZoneId": "Z1UJRXOUMOOFQ8"}


PROVIDERS: Mapping[str, Provider] = {
    "AWS::ApiGatewayV2::Api": HttpApiProvider(),
    "AWS::ApiGatewayV2::Route": GeneratedIdProvider(7, "RouteId"),
    "AWS::ApiGatewayV2::Integration": GeneratedIdProvider(7, "IntegrationId"),
    "AWS::ApiGatewayV2::Authorizer": GeneratedIdProvider(6, "AuthorizerId"),
    "AWS::ApiGatewayV2::Stage": HttpStageProvider(),
    "AWS::ApiGatewayV2::Deployment": GeneratedIdProvider(6, "DeploymentId"),
    "AWS::ApiGatewayV2::RouteResponse": GeneratedIdProvider(6, "RouteResponseId"),
    "AWS::ApiGatewayV2::IntegrationResponse": GeneratedIdProvider(6, "IntegrationResponseId"),
    "AWS::ApiGatewayV2::Model": GeneratedIdProvider(6, "ModelId"),
    "AWS::ApiGatewayV2::ApiMapping": GeneratedIdProvider(6, "ApiMappingId"),
    "AWS::ApiGatewayV2::DomainName": DomainNameProvider(),
    "AWS::ApiGatewayV2::VpcLink": GeneratedIdProvider(6, "VpcLinkId"),
    "AWS::ApiGatewayV2::ApiGatewayManagedOverrides": GeneratedIdProvider(6),
}
