"""API Gateway as an emulated service: REST API stages served over HTTPS by the local gateway."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from stratus.local.core.context import CloudContext
from stratus.local.core.contracts import LocalContext
from stratus.local.core.registry import EmulatedService, Hook, PortSpec
from stratus.local.core.settings import LocalSettings
from stratus.local.core.tls import DomainCertificates
from stratus.local.gateway import cache_calls, domain_calls, usage_plans
from stratus.local.gateway import controlplane as apigateway_reads
from stratus.local.gateway.app import build_gateway_app
from stratus.local.gateway.http_api import controlplane as apigatewayv2_reads
from stratus.local.gateway.http_api.providers import PROVIDERS as HTTP_API_PROVIDERS
from stratus.local.gateway.providers import (
    DomainNameProvider,
    PrivateDomainNameProvider,
    RestApiProvider,
    StageProvider,
)
from stratus.local.gateway.server import GatewayHttpProtocol
from stratus.local.lambda_runtime.logs import LogSink
from stratus.local.lambda_runtime.service import LambdaService
from stratus.local.provision.model import Deployment
from stratus.local.provision.provider import Provider
from stratus.local.provision.recorded import GeneratedIdProvider, NamedProvider


class GatewayService(EmulatedService):
    name = "apigateway"
    order = 40
    ports = (PortSpec("gateway", 4443, "API gateway (HTTPS)"),)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::ApiGateway::RestApi": RestApiProvider(),
        "AWS::ApiGateway::Resource": GeneratedIdProvider(6, "ResourceId"),
        "AWS::ApiGateway::Method": GeneratedIdProvider(10),
        "AWS::ApiGateway::Deployment": GeneratedIdProvider(6, "DeploymentId"),
        "AWS::ApiGateway::Stage": StageProvider(),
        "AWS::ApiGateway::Authorizer": GeneratedIdProvider(6, "AuthorizerId"),
        "AWS::ApiGateway::Account": GeneratedIdProvider(10),
        "AWS::ApiGateway::Model": NamedProvider("Name"),
        "AWS::ApiGateway::RequestValidator": GeneratedIdProvider(6, "RequestValidatorId"),
        "AWS::ApiGateway::GatewayResponse": GeneratedIdProvider(10),
        "AWS::ApiGateway::ApiKey": GeneratedIdProvider(10, "APIKeyId"),
        "AWS::ApiGateway::UsagePlan": GeneratedIdProvider(6, "Id"),
        "AWS::ApiGateway::UsagePlanKey": GeneratedIdProvider(10, "Id"),
        # Custom domain names, served by Host header and SNI (domains.py, core/tls.py).
        "AWS::ApiGateway::DomainName": DomainNameProvider(),
        "AWS::ApiGateway::DomainNameV2": PrivateDomainNameProvider(),
        "AWS::ApiGateway::BasePathMapping": GeneratedIdProvider(10),
        "AWS::ApiGateway::BasePathMappingV2": GeneratedIdProvider(10, "BasePathMappingArn"),
        **HTTP_API_PROVIDERS,  # AWS::ApiGatewayV2::*, served at /httpapis/ (gateway/http_api)
    }

    def __init__(self) -> None:
        self.app: Any = None
        self.deployment: Deployment | None = None
        self.settings: LocalSettings | None = None

    def hooks(self) -> Iterable[Hook]:
        # API Gateway's read calls, answered for the APIs the local gateway serves (moto never
        # sees them: they are only recorded).
        table = apigateway_reads.operations(
            lambda: self.deployment,
            lambda: self.settings,
            lambda: None if self.app is None else self.app.releases,
            cache_calls.cache_patcher(lambda: self.app),
        )
        table.update(domain_calls.operations(lambda: self.deployment))  # custom domains
        table.update(usage_plans.operations(lambda: self.deployment))  # GetApiKey(s)
        table.update(cache_calls.operations(lambda: self.app))  # FlushStageCache
        v2 = apigatewayv2_reads.operations(lambda: self.deployment)  # HTTP APIs' reads
        return [Hook("apigateway", op, before=handler) for op, handler in table.items()] + [
            Hook("apigatewayv2", op, before=handler) for op, handler in v2.items()
        ]

    async def start(self, cloud: CloudContext) -> None:
        lambdas = cloud.service(LambdaService)
        assert lambdas.runtime is not None
        self.deployment = cloud.require_deployment()
        self.settings = cloud.settings
        with cloud.reporter.step("Starting the API gateway (HTTPS)"):
            ctx = LocalContext(
                cloud.settings,
                cloud.require_deployment(),
                cloud.credentials,
                lambdas.runtime,
                cloud.keys,
                token_clock=cloud.clock,  # token expiry on the cloud clock (core.clock)
            )
            self.app = build_gateway_app(
                ctx,
                extra_routes=cloud.web_routes,
                log_sink=None if lambdas.log_sink is None else access_log_writer(lambdas.log_sink),
                releases_store=cloud.settings.snapshot_dir / "gateway-releases.json",
                metrics=cloud.metrics,  # API Gateway's CloudWatch metrics
            )
            app = self.app
            # Sites of other services served here by Host (a user pool domain's hosted UI).
            sites = (getattr(s, "gateway_site", None) for s in cloud.services)
            app.sites = [site for site in sites if site is not None]
            certificates = DomainCertificates(
                cloud.settings,
                lambda: [*app.domains.keys(), *(n for site in app.sites for n in site.names())],
            )
            await cloud.serve(
                "gateway",
                self.app,
                cloud.settings.ports.gateway,
                tls=True,
                http=GatewayHttpProtocol,  # API Gateway's head-size limit and read timeout
                sni_callback=certificates.sni_callback,  # custom domains' certificates
            )


def access_log_writer(sink: LogSink) -> Callable[[str, str], None]:
    """Stage access logs go to the stage's CloudWatch log group, as API Gateway sends them."""

    def write(destination_arn: str, line: str) -> None:
        # arn:aws:logs:<region>:<account>:log-group:<name>[:*]
        parts = destination_arn.split(":log-group:", 1)
        if len(parts) != 2 or not parts[1]:
            return
        group = parts[1].removesuffix(":*")
        sink.put(group, "local-gateway", [(int(time.time() * 1000), line)])

    return write


SERVICES = [GatewayService]
