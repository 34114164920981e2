"""`ShopCatalog-<stage>`: the products table and the catalog API on the service template.

Routes (one function behind `live`): public `GET /v1/products`, `/v1/products/{id}`,
`/v2/products`, `/v2/products/{id}`; IAM-authorized `GET /v2/prices` for services (grant
with `grant_prices(grantee)`). v1 and v2 are resource trees of one API, so one stage URL
(`CatalogApiUrl`, no version) serves both everywhere, and v2 ships without redeploying
anything v1 clients call differently. With context `catalogDomain`, the API is also
served on that custom domain (regional, TLS 1.2) through a base path mapping, so
`https://<domain>/v1/...` and `/v2/...` answer side by side; `CatalogApiUrl` is then
`https://<domain>`. Sample products are created on first deploy (`Custom::CatalogSamples`).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, CustomResource, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from pydantic import BaseModel

from stratus.infra.shared.functions import python_function
from stratus.infra.shared.service import Auth, ServiceTemplate
from stratus.infra.shop.platform import ShopBuild, ShopPlatformStack, shop_stack_name
from stratus.infra.shop.stage import ShopStageConfig
from stratus.shop.catalog import domain

API_HANDLER = "stratus.shop.catalog.handlers.api.lambda_handler"
SEED_HANDLER = "stratus.shop.catalog.handlers.seed.lambda_handler"
PRICES_PATH = "/v2/prices"
# path -> (operation name (the SDK's function), query parameters: name -> required, the
# 200 model); 400 and 404 answer `CatalogError`.
PUBLIC_READS: dict[str, tuple[str, dict[str, bool], str]] = {
    "/v1/products": ("list_products_v1", {}, "ProductListV1"),
    "/v1/products/{id}": ("get_product_v1", {}, "ProductV1"),
    "/v2/products": ("list_products_v2", {"limit": False, "cursor": False}, "ProductPageV2"),
    "/v2/products/{id}": ("get_product_v2", {}, "ProductV2"),
}
PUBLIC_REASON = "Public by design: anyone may browse the catalog's products and prices."


class CatalogStack(Stack):
    def __init__(
        self,
        scope: Construct,
        *,
        cfg: ShopStageConfig,
        code_path: Path,
        platform: ShopPlatformStack,
    ) -> None:
        super().__init__(
            scope,
            shop_stack_name("catalog", cfg.name),
            description=f"stratus shop ({cfg.name}): catalog of products and prices",
        )
        self.table = dynamodb.Table(
            self,
            "Products",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=cfg.deletion_protection,
            removal_policy=cfg.removal_policy,
        )
        self.template = ServiceTemplate(
            self,
            "Service",
            cfg=cfg,
            service="shop-catalog",
            description="stratus shop catalog: products (v1, v2) and prices for services",
            alarm_topic=platform.alarm_topic,
        )
        code = lambda_.Code.from_asset(str(code_path))
        env = {"PRODUCTS_TABLE": self.table.table_name}
        self.api_fn = self.template.function("ApiFn", handler=API_HANDLER, code=code, env=env)
        self.table.grant(
            self.api_fn.function,
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:Scan",
        )
        self._declare_models()
        for path, (operation, query, ok) in PUBLIC_READS.items():
            self.template.route(
                path,
                "GET",
                self.api_fn,
                auth=Auth.PUBLIC,
                public_reason=PUBLIC_REASON,
                operation_name=operation,
                query=query,
                responses={200: ok, 400: "CatalogError", 404: "CatalogError"},
            )
        self.template.route(
            PRICES_PATH,
            "GET",
            self.api_fn,
            auth=Auth.IAM,
            operation_name="get_prices",
            query={"ids": True},
            responses={200: "PriceQuote", 400: "CatalogError", 403: "Error"},
        )
        self._samples(cfg, code, env)
        self.url = self._url(cfg)
        CfnOutput(self, "CatalogApiUrl", value=self.url)
        CfnOutput(self, "CatalogApiId", value=self.template.api.rest_api_id)
        CfnOutput(self, "CatalogTableName", value=self.table.table_name)
        CfnOutput(
            self,
            "CatalogPricesArn",
            value=self.template.execute_api_arn("GET", PRICES_PATH),
            description="What a service's role needs execute-api:Invoke on to read prices",
        )

    def _declare_models(self) -> None:
        models: dict[str, type[BaseModel]] = {
            "ProductV1": domain.ProductV1,
            "ProductV2": domain.ProductV2,
            "ProductListV1": domain.ProductListV1,
            "ProductPageV2": domain.ProductPageV2,
            "PriceQuote": domain.PriceQuote,
            "CatalogError": domain.ErrorBody,
        }
        for name, model in models.items():
            self.template.model(name, model)
        # `Error` ({"message"}) is API Gateway's built-in model: its own 403 for IAM refusals.
        self.template.register_builtin("Error")

    def grant_prices(self, grantee: iam.IGrantable) -> None:
        """Let `grantee` (a service's function) call `GET /v2/prices`, and nothing else."""
        self.template.grant_invoke(grantee, "GET", PRICES_PATH)

    def _samples(self, cfg: ShopStageConfig, code: lambda_.Code, env: dict[str, str]) -> None:
        seed_fn = python_function(
            self, "SeedFn", cfg=cfg, handler=SEED_HANDLER, code=code, env=env, timeout_seconds=60
        )
        self.table.grant(seed_fn, "dynamodb:PutItem")
        samples = CustomResource(
            self,
            "Samples",
            service_token=seed_fn.function_arn,
            resource_type="Custom::CatalogSamples",
        )
        samples.node.add_dependency(self.table)

    def _url(self, cfg: ShopStageConfig) -> str:
        api = self.template.api
        if not cfg.catalog_domain:
            return api.url  # the stage URL: no version, no resource
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Cert", cfg.catalog_certificate_arn)
            if cfg.catalog_certificate_arn
            else acm.Certificate(
                self,
                "Cert",
                domain_name=cfg.catalog_domain,
                validation=acm.CertificateValidation.from_dns(),
            )
        )
        domain = apigw.DomainName(
            self,
            "Domain",
            domain_name=cfg.catalog_domain,
            certificate=certificate,
            endpoint_type=apigw.EndpointType.REGIONAL,
            security_policy=apigw.SecurityPolicy.TLS_1_2,
        )
        domain.add_base_path_mapping(api, stage=api.deployment_stage)
        CfnOutput(self, "CatalogDomainTarget", value=domain.domain_name_alias_domain_name)
        return f"https://{cfg.catalog_domain}/"


def build(ctx: ShopBuild) -> Stack:
    return CatalogStack(ctx.app, cfg=ctx.cfg, code_path=ctx.code_path, platform=ctx.platform)
