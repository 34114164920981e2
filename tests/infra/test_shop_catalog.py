"""The shop's platform and catalog stacks as synthesized (dev and prod, the session synth,
so cdk-nag has passed on them: without a domain, one API holds v1 and v2), plus the
catalog's custom-domain layout (v1 and v2 as two APIs on the base paths `v1` and `v2`),
which the `local` stage gets by default."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stratus.infra.shop.platform import shop_stack_name
from tests.infra.conftest import Synth


def _stack(synths: dict[str, Synth], stage: str, service: str) -> Synth:
    base = synths[stage]
    path = base.outdir / f"{shop_stack_name(service, stage)}.template.json"
    return Synth(stage, base.outdir, path, json.loads(path.read_text()))


@pytest.fixture(scope="module", params=["dev", "prod"])
def platform(request: pytest.FixtureRequest, synths: dict[str, Synth]) -> Synth:
    return _stack(synths, request.param, "platform")


@pytest.fixture(scope="module", params=["dev", "prod"])
def catalog(request: pytest.FixtureRequest, synths: dict[str, Synth]) -> Synth:
    return _stack(synths, request.param, "catalog")


def test_platform_outputs_and_bus_name(platform: Synth) -> None:
    assert {"ShopUserPoolId", "ShopUserPoolClientId", "EventBusName"} <= set(
        platform.template["Outputs"]
    )
    bus = platform.one("AWS::Events::EventBus")["Properties"]
    assert bus["Name"] == f"stratus-shop-{platform.stage}"


def test_the_app_client_allows_srp_and_password_auth_without_a_secret(platform: Synth) -> None:
    client = platform.one("AWS::Cognito::UserPoolClient")["Properties"]
    assert {"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH"} <= set(client["ExplicitAuthFlows"])
    assert client.get("GenerateSecret", False) is False
    assert "ReadAttributes" not in client  # every readable attribute, `email` too, in the ID token
    pool = platform.one("AWS::Cognito::UserPool")["Properties"]
    assert pool["UsernameAttributes"] == ["email"]


def test_catalog_routes_public_reads_and_an_iam_price_route(catalog: Synth) -> None:
    """Without a domain (dev, prod here): one API holds both trees."""
    assert len(catalog.of_type("AWS::ApiGateway::RestApi")) == 1
    assert not catalog.of_type("AWS::ApiGateway::DomainName")
    resources = catalog.of_type("AWS::ApiGateway::Resource")

    def path_of(logical: str) -> str:
        parts: list[str] = []
        while logical in resources:
            props = resources[logical]["Properties"]
            parts.insert(0, props["PathPart"])
            logical = props["ParentId"].get("Ref", "")
        return "/" + "/".join(parts)

    routes = {
        (path_of(m["Properties"]["ResourceId"]["Ref"]), m["Properties"]["AuthorizationType"])
        for m in catalog.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "GET"
    }
    assert routes == {
        ("/v1/products", "NONE"),
        ("/v1/products/{id}", "NONE"),
        ("/v2/products", "NONE"),
        ("/v2/products/{id}", "NONE"),
        ("/v2/prices", "AWS_IAM"),
    }


def test_the_api_function_may_only_read_the_table(catalog: Synth) -> None:
    actions: set[str] = set()
    for logical, policy in catalog.of_type("AWS::IAM::Policy").items():
        if logical.startswith("ServiceApiFnRole"):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                acts = statement["Action"]
                actions |= {acts} if isinstance(acts, str) else set(acts)
    assert {a for a in actions if a.startswith("dynamodb:")} == {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Scan",
    }


def test_catalog_is_released_through_a_live_alias_and_seeds_samples(catalog: Synth) -> None:
    assert catalog.one("AWS::Lambda::Alias")["Properties"]["Name"] == "live"
    assert catalog.one("AWS::CodeDeploy::DeploymentGroup")
    assert len(catalog.of_type("Custom::CatalogSamples")) == 1
    table = catalog.one("AWS::DynamoDB::Table")["Properties"]
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_catalog_alarms_notify_the_platform_topic(catalog: Synth) -> None:
    for alarm in catalog.of_type("AWS::CloudWatch::Alarm").values():
        [action] = alarm["Properties"]["AlarmActions"]
        assert "Fn::ImportValue" in action


def test_catalog_url_output_is_the_stage_url(catalog: Synth) -> None:
    parts = catalog.template["Outputs"]["CatalogApiUrl"]["Value"]["Fn::Join"][1]
    stage_ref = parts[-2]["Ref"]
    assert catalog.resources[stage_ref]["Properties"]["StageName"] == catalog.stage
    assert parts[-1] == "/"  # the base URL: no version, no resource


@pytest.fixture(scope="module")
def domain_synth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from stratus.infra.app import build_app

    context = {
        "stage": "test",
        "systems": "shop",
        "catalogDomain": "catalog.example.com",
        "catalogCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    }
    tmp = tmp_path_factory.mktemp("catalog-domain")
    build_app(context=context, outdir=str(tmp)).synth()  # cdk-nag runs here too
    return {
        service: json.loads((tmp / f"{shop_stack_name(service, 'test')}.template.json").read_text())
        for service in ("catalog", "orders")
    }


def _of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _routes(template: dict[str, Any], api: str) -> set[tuple[str, str]]:
    """(path, authorization) of every GET on the API with logical id `api`."""
    resources = _of(template, "AWS::ApiGateway::Resource")

    def path_of(ref: dict[str, Any]) -> str:
        parts: list[str] = []
        logical = ref.get("Ref", "")
        while logical in resources:
            props = resources[logical]["Properties"]
            parts.insert(0, props["PathPart"])
            logical = props["ParentId"].get("Ref", "")
        return "/" + "/".join(parts)

    return {
        (path_of(m["Properties"]["ResourceId"]), m["Properties"]["AuthorizationType"])
        for m in _of(template, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "GET" and m["Properties"]["RestApiId"] == {"Ref": api}
    }


def test_with_a_domain_v1_and_v2_are_two_apis_on_base_paths_v1_and_v2(
    domain_synth: dict[str, Any],
) -> None:
    template = domain_synth["catalog"]
    [domain] = _of(template, "AWS::ApiGateway::DomainName").values()
    assert domain["Properties"]["DomainName"] == "catalog.example.com"
    assert domain["Properties"]["SecurityPolicy"] == "TLS_1_2"
    apis = {
        r["Properties"]["Name"]: k for k, r in _of(template, "AWS::ApiGateway::RestApi").items()
    }
    assert set(apis) == {"stratus-test-shop-catalog-v1", "stratus-test-shop-catalog-v2"}
    mappings = {
        m["Properties"]["BasePath"]: m["Properties"]["RestApiId"]["Ref"]
        for m in _of(template, "AWS::ApiGateway::BasePathMapping").values()
    }
    v1, v2 = apis["stratus-test-shop-catalog-v1"], apis["stratus-test-shop-catalog-v2"]
    assert mappings == {"v1": v1, "v2": v2}
    assert _routes(template, v1) == {("/products", "NONE"), ("/products/{id}", "NONE")}
    assert _routes(template, v2) == {
        ("/products", "NONE"),
        ("/products/{id}", "NONE"),
        ("/prices", "AWS_IAM"),
    }
    # The domain is the only way in: the execute-api endpoints are off.
    for logical in (v1, v2):
        assert template["Resources"][logical]["Properties"]["DisableExecuteApiEndpoint"] is True
    assert template["Outputs"]["CatalogApiUrl"]["Value"] == "https://catalog.example.com/"
    assert template["Outputs"]["CatalogV1ApiId"]["Value"] == {"Ref": v1}


def test_with_a_domain_v1_models_are_v1s_and_one_function_serves_both(
    domain_synth: dict[str, Any],
) -> None:
    template = domain_synth["catalog"]
    apis = {
        r["Properties"]["Name"]: k for k, r in _of(template, "AWS::ApiGateway::RestApi").items()
    }
    models: dict[str, set[str]] = {}
    for model in _of(template, "AWS::ApiGateway::Model").values():
        api = model["Properties"]["RestApiId"]["Ref"]
        models.setdefault(api, set()).add(model["Properties"]["Name"])
    assert models[apis["stratus-test-shop-catalog-v1"]] == {
        "ProductV1", "ProductListV1", "CatalogError"}  # fmt: skip
    assert models[apis["stratus-test-shop-catalog-v2"]] == {
        "ProductV2", "ProductPageV2", "PriceQuote", "CatalogError"}  # fmt: skip
    assert len(_of(template, "AWS::Lambda::Alias")) == 1  # one `live` alias behind both


def test_orders_may_invoke_exactly_get_prices_on_the_v2_api(domain_synth: dict[str, Any]) -> None:
    orders = domain_synth["orders"]
    resources: list[Any] = []
    for policy in _of(orders, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Action"] == "execute-api:Invoke":
                resources.append(statement["Resource"])
    [arn] = resources
    parts = arn["Fn::Join"][1]
    assert parts[-1] == "/test/GET/prices"
    assert "ServiceV2Api" in json.dumps(parts[-2])
    env = [
        f["Properties"]["Environment"]["Variables"]
        for f in _of(orders, "AWS::Lambda::Function").values()
        if "CATALOG_API_URL" in f["Properties"].get("Environment", {}).get("Variables", {})
    ]
    assert env and env[0]["CATALOG_API_URL"] == "https://catalog.example.com/"


def test_the_local_stage_has_a_catalog_domain_on_a_loopback_name() -> None:
    from stratus.infra.shop.stage import LOCAL_CATALOG_DOMAIN, shop_stage_config

    assert LOCAL_CATALOG_DOMAIN.endswith(".localhost")
    assert shop_stage_config({"stage": "local"}).catalog_domain == LOCAL_CATALOG_DOMAIN
    assert shop_stage_config({"stage": "dev"}).catalog_domain is None
    given = shop_stage_config({"stage": "local", "catalogDomain": "Catalog.Example.com"})
    assert given.catalog_domain == "catalog.example.com"
