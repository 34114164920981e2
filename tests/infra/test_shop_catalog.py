"""The shop's platform and catalog stacks as synthesized (dev and prod, the session synth,
so cdk-nag has passed on them), plus the catalog's custom-domain variant."""

from __future__ import annotations

import json
from pathlib import Path
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


def _domain_synth(tmp: Path) -> dict[str, Any]:
    from stratus.infra.app import build_app

    context = {
        "stage": "test",
        "systems": "shop",
        "catalogDomain": "catalog.example.com",
        "catalogCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    }
    build_app(context=context, outdir=str(tmp)).synth()
    text = (tmp / f"{shop_stack_name('catalog', 'test')}.template.json").read_text()
    return dict(json.loads(text))


def test_with_a_domain_v1_and_v2_answer_side_by_side_on_it(tmp_path: Path) -> None:
    template = _domain_synth(tmp_path)
    kinds = [r["Type"] for r in template["Resources"].values()]
    [domain] = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::DomainName"
    ]
    assert domain["Properties"]["DomainName"] == "catalog.example.com"
    assert domain["Properties"]["SecurityPolicy"] == "TLS_1_2"
    assert kinds.count("AWS::ApiGateway::BasePathMapping") == 1
    assert template["Outputs"]["CatalogApiUrl"]["Value"] == "https://catalog.example.com/"
