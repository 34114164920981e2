"""outputs.json: cdk --outputs-file shape, with AWS URLs pointing at the local cloud."""

from __future__ import annotations

import json
from pathlib import Path

from stratus.local.core.settings import LocalSettings
from stratus.local.provision.model import Deployment, Resource, Stack
from stratus.local.provision.outputs import (
    local_urls,
    rewrite_rest_api_urls,
    rewrite_url,
    write_outputs,
)


def _settings(tmp_path: Path) -> LocalSettings:
    return LocalSettings.for_project(tmp_path)


def _deployment() -> Deployment:
    stack = Stack(name="TodoApp", template_path=Path("x"))
    stack.outputs = {
        "ApiEndpoint": "https://abcdefghij.execute-api.us-east-1.amazonaws.com/local/",
        "TodosUrl": "https://abcdefghij.execute-api.us-east-1.amazonaws.com/local/todos?x=1",
        "HostedUi": "https://todo.auth.us-east-1.amazoncognito.com/login",
        "QueueUrl": "https://sqs.us-east-1.amazonaws.com/000000000000/q",
        "TableName": "todo-table",
        "Subnets": ["a", "b"],
    }
    stack.resources["Api"] = Resource(
        "TodoApp", "Api", "AWS::ApiGateway::RestApi", {}, "abcdefghij"
    )
    stack.resources["Stage"] = Resource(
        "TodoApp", "Stage", "AWS::ApiGateway::Stage", {"RestApiId": "abcdefghij"}, "local"
    )
    return Deployment(stacks={"TodoApp": stack})


def test_execute_api_url_goes_to_local_gateway_keeping_path(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    url = rewrite_url(
        settings, "https://abcdefghij.execute-api.us-east-1.amazonaws.com/prod/todos/1"
    )
    assert url == "https://127.0.0.1:4443/restapis/abcdefghij/prod/todos/1"


def test_other_aws_service_urls_go_to_the_aws_endpoint(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert (
        rewrite_url(settings, "https://sqs.us-east-1.amazonaws.com/1/q")
        == "http://127.0.0.1:4566/1/q"
    )
    assert rewrite_url(settings, "not a url") == "not a url"


def test_write_outputs_has_cdk_shape_and_rewritten_urls(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    written = write_outputs(settings, _deployment())
    on_disk = json.loads(settings.outputs_json.read_text())
    assert on_disk == written
    values = on_disk["TodoApp"]
    assert values["ApiEndpoint"] == "https://127.0.0.1:4443/restapis/abcdefghij/local/"
    assert values["TodosUrl"] == "https://127.0.0.1:4443/restapis/abcdefghij/local/todos?x=1"
    hosted = "https://127.0.0.1:4443/_stratus/domains/todo.auth.us-east-1.localhost/login"
    assert values["HostedUi"] == hosted
    assert values["QueueUrl"] == "http://127.0.0.1:4566/000000000000/q"
    assert values["TableName"] == "todo-table"
    assert values["Subnets"] == "a,b"


def test_local_urls_list_stages_and_the_hosted_ui_served_locally(tmp_path: Path) -> None:
    urls = dict(local_urls(_deployment(), _settings(tmp_path)))
    assert urls["TodoApp/Api (local)"] == "https://127.0.0.1:4443/restapis/abcdefghij/local/"
    assert urls["TodoApp.HostedUi"] == (
        "https://127.0.0.1:4443/_stratus/domains/todo.auth.us-east-1.localhost/login"
    )


def test_custom_user_pool_domain_urls_go_to_the_gateway_alias(tmp_path: Path) -> None:
    from stratus.local.provision.outputs import rewrite_user_pool_domains

    settings = _settings(tmp_path)
    url = rewrite_user_pool_domains(
        settings, "https://Auth.Example.com/login", ["auth.example.com"]
    )
    assert url == "https://127.0.0.1:4443/_stratus/domains/auth.example.com/login"
    # another name that merely starts like it is left alone
    assert (
        rewrite_user_pool_domains(
            settings, "https://auth.example.com.evil.test/", ["auth.example.com"]
        )
        == "https://auth.example.com.evil.test/"
    )


def test_ssm_parameter_naming_a_local_distribution_url_gets_the_edge_port(
    tmp_path: Path,
) -> None:
    from types import SimpleNamespace

    import boto3
    from moto import mock_aws

    from stratus.local.ssm.providers import ParameterProvider

    settings = _settings(tmp_path)
    port = settings.ports.get("edge")
    with mock_aws():
        ssm = boto3.client("ssm", region_name="us-east-1")
        ctx = SimpleNamespace(settings=settings, aws=lambda name: ssm, logical_id="P")
        provider = ParameterProvider()
        site = {"Name": "/site", "Value": "https://dabc123.cloudfront.localhost/"}
        plain = {"Name": "/plain", "Value": "dabc123.cloudfront.localhost"}
        for props in (site, plain):
            provider.create(ctx, props)  # type: ignore[arg-type]
        got = {n: ssm.get_parameter(Name=n)["Parameter"]["Value"] for n in ("/site", "/plain")}
    assert got == {
        "/site": f"https://dabc123.cloudfront.localhost:{port}/",
        "/plain": "dabc123.cloudfront.localhost",  # a bare domain name is left alone
    }


def test_a_custom_domain_on_a_localhost_name_goes_to_the_gateways_domain_path(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    url = rewrite_url(settings, "https://catalog.shop.local.localhost/v1/products")
    assert url == "https://127.0.0.1:4443/_stratus/domains/catalog.shop.local.localhost/v1/products"
    # the edge's names, a name with its port and other names are left to their own rules
    assert rewrite_url(settings, "https://d1.cloudfront.localhost/") == (
        "https://d1.cloudfront.localhost:4480/"
    )
    assert rewrite_url(settings, "https://a.localhost:9000/x") == "https://a.localhost:9000/x"
    # a load balancer's name without a listener port stays a load balancer's name
    elb = "https://web-123.us-east-1.elb.localhost/"
    assert rewrite_rest_api_urls(settings, elb) == elb
    assert rewrite_url(settings, "https://api.example.test/") == "https://api.example.test/"
