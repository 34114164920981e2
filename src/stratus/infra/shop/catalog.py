"""`ShopCatalog-<stage>`: the products table and the catalog API on the service template.

v1 and v2 are two REST APIs (`stratus-<stage>-shop-catalog-v1` and `-v2`, one function
behind `live` serving both) mapped to the base paths `v1` and `v2` of one custom domain,
as API Gateway's versioning guidance has it
(https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html):
v1's API (`GET /products`, `/products/{id}`) is never redeployed when v2 ships, and v2's
(`/products` with currency, tags and a cursor, `/products/{id}`, IAM-authorized `/prices`
for services: `grant_prices(grantee)`) changes nothing under `v1/`. `CatalogApiUrl` is the
domain's root, `https://<domain>/` (no version), so clients call `{CatalogApiUrl}v1/...`
and `{CatalogApiUrl}v2/...`. The functions see the path with its base path (`/v1/products`,
as API Gateway sends it through a custom domain); the APIs' own `execute-api` endpoints are
disabled, so the domain is the only way in.

Which domain: context `catalogDomain` (regional, TLS 1.2; `catalogCertificateArn` or a
DNS-validated ACM certificate). The `local` stage defaults to `catalog.shop.local.localhost`
(`stage.LOCAL_CATALOG_DOMAIN`): the local gateway serves it by Host/SNI with a certificate
from the local CA, and at `https://127.0.0.1:<gateway port>/_stratus/domains/<domain>/`
for clients that do not resolve `*.localhost` (outputs.json and functions' environments
get that URL). Without a domain (another stage without the context, e.g. a fresh
`make deploy`), it falls back to ONE API holding both trees (`/v1/...`, `/v2/...`) and
`CatalogApiUrl` is its stage URL: same interface, but v2 ships by redeploying v1's API.
Sample products are created on first deploy (`Custom::CatalogSamples`).
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
VERSIONS = ("v1", "v2")
# path -> (operation name (the SDK's function), query parameters: name -> required, the
# 200 model); 400 and 404 answer `CatalogError`.
PUBLIC_READS: dict[str, tuple[str, dict[str, bool], str]] = {
    "/v1/products": ("list_products_v1", {}, "ProductListV1"),
    "/v1/products/{id}": ("get_product_v1", {}, "ProductV1"),
    "/v2/products": ("list_products_v2", {"limit": False, "cursor": False}, "ProductPageV2"),
    "/v2/products/{id}": ("get_product_v2", {}, "ProductV2"),
}
MODELS: dict[str, tuple[str, type[BaseModel]]] = {  # API model name -> (version, class)
    "ProductV1": ("v1", domain.ProductV1),
    "ProductListV1": ("v1", domain.ProductListV1),
    "ProductV2": ("v2", domain.ProductV2),
    "ProductPageV2": ("v2", domain.ProductPageV2),
    "PriceQuote": ("v2", domain.PriceQuote),
    "CatalogError": ("", domain.ErrorBody),  # both versions
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
        # With a domain: API "V1" / "V2" per version, paths without the version (the base
        # path carries it); without: the template's one API, paths with it.
        self.split = cfg.catalog_domain is not None
        for version in VERSIONS:
            self.template.rest_api(self._api_of(version), domain_only=self.split)
        self._declare_models()
        for path, (operation, query, ok) in PUBLIC_READS.items():
            self.template.route(
                self._path(path),
                "GET",
                self.api_fn,
                auth=Auth.PUBLIC,
                public_reason=PUBLIC_REASON,
                operation_name=operation,
                query=query,
                responses={200: ok, 400: "CatalogError", 404: "CatalogError"},
                api=self._api_of(path),
            )
        self.template.route(
            self._path(PRICES_PATH),
            "GET",
            self.api_fn,
            auth=Auth.IAM,
            operation_name="get_prices",
            query={"ids": True},
            responses={200: "PriceQuote", 400: "CatalogError", 403: "Error"},
            api=self._api_of(PRICES_PATH),
        )
        self._samples(cfg, code, env)
        self.url = self._url(cfg)
        CfnOutput(self, "CatalogApiUrl", value=self.url)
        for version in VERSIONS:
            CfnOutput(
                self,
                f"Catalog{version.upper()}ApiId",
                value=self.template.rest_api(self._api_of(version)).rest_api_id,
            )
        CfnOutput(self, "CatalogTableName", value=self.table.table_name)
        CfnOutput(
            self,
            "CatalogPricesArn",
            value=self.template.execute_api_arn(
                "GET", self._path(PRICES_PATH), self._api_of(PRICES_PATH)
            ),
            description="What a service's role needs execute-api:Invoke on to read prices",
        )

    def _api_of(self, path: str) -> str:
        """The template's API name for a version (`v1`) or a versioned path (`/v1/...`)."""
        return path.strip("/").split("/")[0].upper() if self.split else ""

    def _path(self, path: str) -> str:
        """`/v2/prices` as its API declares it: `/prices` when the base path holds `v2`."""
        return "/" + path.strip("/").split("/", 1)[1] if self.split else path

    def _declare_models(self) -> None:
        for name, (version, model) in MODELS.items():
            for used_by in [version] if version else list(VERSIONS):
                self.template.model(name, model, api=self._api_of(used_by))
        # `Error` ({"message"}) is API Gateway's built-in model: its own 403 for IAM refusals.
        self.template.register_builtin("Error", api=self._api_of(PRICES_PATH))

    def grant_prices(self, grantee: iam.IGrantable) -> None:
        """Let `grantee` (a service's function) call `GET /v2/prices`, and nothing else."""
        self.template.grant_invoke(
            grantee, "GET", self._path(PRICES_PATH), self._api_of(PRICES_PATH)
        )

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
        if not cfg.catalog_domain:
            return self.template.api.url  # the one API's stage URL: no version, no resource
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
        for version in VERSIONS:
            api = self.template.rest_api(self._api_of(version))
            domain.add_base_path_mapping(api, base_path=version, stage=api.deployment_stage)
        CfnOutput(self, "CatalogDomainTarget", value=domain.domain_name_alias_domain_name)
        return f"https://{cfg.catalog_domain}/"


def build(ctx: ShopBuild) -> Stack:
    return CatalogStack(ctx.app, cfg=ctx.cfg, code_path=ctx.code_path, platform=ctx.platform)
