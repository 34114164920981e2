"""The console's cost page: the cost model on the cloud's own templates, sliders as a query,
the same estimate as JSON, bad values as 400s, and the recorded usage as a profile."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from stratus.local.console import app as console_app
from stratus.local.core.settings import LocalSettings
from stratus.local.usage.service import UsageService

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "Api"}},
        "Items": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
                "PathPart": "items",
            },
        },
        "GetItems": {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "RestApiId": {"Ref": "Api"},
                "ResourceId": {"Ref": "Items"},
                "HttpMethod": "GET",
                "Integration": {"Uri": {"Fn::GetAtt": ["Handler", "Arn"]}},
            },
        },
        "Handler": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"MemorySize": 256, "Runtime": "python3.12"},
        },
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {"BillingMode": "PAY_PER_REQUEST"},
        },
    }
}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = LocalSettings.for_project(tmp_path)
    cdk_out = settings.cdk_out
    cdk_out.mkdir(parents=True)
    (cdk_out / "App.template.json").write_text(json.dumps(TEMPLATE))
    manifest = {
        "version": "36.0.0",
        "artifacts": {
            "App": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://000000000000/us-east-1",
                "properties": {"templateFile": "App.template.json"},
            }
        },
    }
    (cdk_out / "manifest.json").write_text(json.dumps(manifest))
    usage = UsageService()
    usage.recorder.enabled = True  # as once the cloud has started
    usage.recorder.add("apis", "a1/prod", {"api_id": "a1", "logical_id": "Api"}, requests=50)
    usage.recorder.add(
        "functions", "r/h", {"name": "h", "logical_id": "Handler"}, invocations=50, billed_ms=900
    )
    cloud = SimpleNamespace(
        settings=settings,
        deployment=None,
        aws=None,
        service=lambda kind: usage if kind is UsageService else None,
    )
    gateway = Starlette(routes=console_app.console_routes(cloud))  # type: ignore[arg-type]
    return TestClient(gateway, client=("127.0.0.1", 50000))


def _total(client: TestClient, **query: str) -> float:
    response = client.get("/console/cost/estimate", params=query)
    assert response.status_code == 200, response.text
    value: float = response.json()["monthly_usd"]
    return value


def test_the_page_shows_a_monthly_total_per_service_and_resource(client: TestClient) -> None:
    response = client.get("/console/cost")
    assert response.status_code == 200
    assert "Monthly total" in response.text
    assert "App/Handler" in response.text
    assert 'name="users"' in response.text


def test_the_json_estimate_has_the_cli_shape_and_moves_with_users(client: TestClient) -> None:
    data = client.get("/console/cost/estimate").json()
    assert {"stage", "monthly_usd", "services", "assumptions"} <= set(data)
    assert _total(client, users="100000") > _total(client, users="100")


def test_options_change_the_price(client: TestClient) -> None:
    x86 = _total(client, users="100000", lambda_architecture="x86_64")
    arm = _total(client, users="100000", lambda_architecture="arm64")
    assert arm < x86


def test_recorded_usage_is_priced_and_its_scaling_said(client: TestClient) -> None:
    data = client.get("/console/cost/estimate", params={"source": "local", "scale": "10"}).json()
    assert data["profile"] == "local-usage"
    assert data["services"].get("lambda", 0) > 0
    assert any("multiplied by 10" in note for note in data["assumptions"])


@pytest.mark.parametrize(
    "query",
    [
        {"users": "-1"},
        {"users": "lots"},
        {"users": "nan"},
        {"dax": "maybe"},
        {"item_size_bytes": "1e9"},
        {"users": "1" * 3000},
    ],
)
def test_bad_values_are_400_json_and_400_pages(client: TestClient, query: dict[str, str]) -> None:
    answer = client.get("/console/cost/estimate", params=query)
    assert answer.status_code == 400
    assert "error" in answer.json()
    page = client.get("/console/cost", params=query)
    assert page.status_code == 400
    assert "<script>" not in page.text


def test_values_are_escaped_in_the_error(client: TestClient) -> None:
    page = client.get("/console/cost", params={"dax": "<script>x</script>"})
    assert page.status_code == 400
    assert "<script>x" not in page.text


def test_without_javascript_the_form_re_renders_for_its_query(client: TestClient) -> None:
    page = client.get("/console/cost", params={"source": "local", "scale": "2"})
    assert page.status_code == 200
    assert "local-usage" in page.text
    assert "multiplied by 2" in page.text
    sliders = client.get("/console/cost", params={"users": "12345"})
    assert 'value="12345"' in sliders.text
