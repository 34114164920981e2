"""API Gateway resources: only recorded; the local gateway serves them. REST API ids are
10 lowercase alphanumerics like AWS's."""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import Attributes, Provider, ProviderContext


class RestApiProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        api_id = ctx.short_id(10)
        return api_id, {"RestApiId": api_id, "RootResourceId": ctx.short_id(10, salt="/root")}


class StageProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return str(props["StageName"]), {}


CLOUDFRONT_HOSTED_ZONE = "Z2FDTNDATAQYW2"  # every CloudFront distribution's alias zone
REGIONAL_HOSTED_ZONE = "Z1UJRXOUMOOFQ8"


class DomainNameProvider(Provider):
    """AWS::ApiGateway::DomainName: served by the local gateway by its Host header, with a
    certificate from the local CA (core/tls.py, chosen by SNI). Its return values are AWS's
    shapes — the alias targets a Route 53 record would use — filled for its endpoint type
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-domainname.html,
    "Return values")."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props["DomainName"])
        types = (props.get("EndpointConfiguration") or {}).get("Types") or ["EDGE"]
        attrs: Attributes = {
            "DomainNameArn": f"arn:aws:apigateway:{ctx.region}::/domainnames/{name}",
        }
        if "REGIONAL" in types:
            attrs["RegionalDomainName"] = (
                f"d-{ctx.short_id(10)}.execute-api.{ctx.region}.amazonaws.com"
            )
            attrs["RegionalHostedZoneId"] = REGIONAL_HOSTED_ZONE
        else:
            attrs["DistributionDomainName"] = f"d{ctx.short_id(13)}.cloudfront.net"
            attrs["DistributionHostedZoneId"] = CLOUDFRONT_HOSTED_ZONE
        return name, attrs


class PrivateDomainNameProvider(Provider):
    """AWS::ApiGateway::DomainNameV2 (a private custom domain): Ref is its ARN."""

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props["DomainName"])
        domain_id = ctx.short_id(10)
        arn = f"arn:aws:apigateway:{ctx.region}:{ctx.account}:/domainnames/{name}+{domain_id}"
        return arn, {"DomainNameArn": arn, "DomainNameId": domain_id}
