"""The CloudFormation and API Gateway control planes answer for what was provisioned,
through real boto3 clients (botocore's own parsers read our XML / JSON), per region."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.parsers import QueryParser
from moto_harness import MotoAsgi, serve

from stratus.local.cloudformation import controlplane as cloudformation
from stratus.local.cloudformation.query_xml import query_response, service_model
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.clients import AwsClients
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.router import route
from stratus.local.core.settings import LocalSettings
from stratus.local.gateway import controlplane as apigateway
from stratus.local.provision.assembly import read_assembly
from stratus.local.provision.model import Deployment
from stratus.local.provision.provisioner import PhysicalIdStore, provision

FIXTURE = Path(__file__).parent / "fixtures" / "templates" / "app"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AwsClients, Deployment]]:
    holder: dict[str, Deployment] = {}
    tables = {
        "cloudformation": cloudformation.operations(lambda: holder.get("d")),
        "apigateway": apigateway.operations(lambda: holder.get("d")),
    }

    async def answer(request: AwsRequest) -> Any:
        call = route(request)
        handler = tables.get(str(call.service), {}).get(str(call.operation))
        return None if handler is None else await handler(call)

    moto = MotoApp()
    moto.reset()
    with serve(MotoAsgi(moto, on_request=answer)) as url:
        aws = AwsClients(url, region="us-east-1", account="000000000000")
        settings = LocalSettings.for_project(tmp_path_factory.mktemp("cp"))
        store = PhysicalIdStore(settings.snapshot_dir / "physical_ids.json")
        holder["d"] = provision(settings, read_assembly(FIXTURE), aws=aws, state=store)
        yield aws, holder["d"]


def test_describe_stacks_shows_status_outputs_and_exports(world: Any) -> None:
    aws, deployment = world
    stacks = aws("cloudformation").describe_stacks()["Stacks"]
    assert sorted(s["StackName"] for s in stacks) == ["Shared", "TodoApp"]
    shared = aws("cloudformation").describe_stacks(StackName="Shared")["Stacks"][0]
    assert shared["StackId"] == deployment.stacks["Shared"].stack_id
    assert shared["StackStatus"] == "CREATE_COMPLETE"
    assert shared["CreationTime"].year >= 2024
    topic = deployment.get("Shared", "SharedTopic").physical_id
    assert {"OutputKey": "TopicArn", "OutputValue": topic, "ExportName": "Shared:TopicArn"} in (
        shared["Outputs"]
    )
    app = aws("cloudformation").describe_stacks(StackName="TodoApp")["Stacks"][0]
    assert {"ParameterKey": "Stage", "ParameterValue": "local"} in app["Parameters"]
    with pytest.raises(Exception, match="Stack with id Nope does not exist"):
        aws("cloudformation").describe_stacks(StackName="Nope")


def test_stack_resources_map_logical_to_physical_ids(world: Any) -> None:
    aws, deployment = world
    cfn = aws("cloudformation")
    summaries = cfn.list_stack_resources(StackName="TodoApp")["StackResourceSummaries"]
    by_id = {s["LogicalResourceId"]: s for s in summaries}
    table = deployment.get("TodoApp", "TodoTable").physical_id
    assert by_id["TodoTable"]["PhysicalResourceId"] == table
    assert by_id["TodoTable"]["ResourceType"] == "AWS::DynamoDB::Table"
    assert by_id["TodoTable"]["ResourceStatus"] == "CREATE_COMPLETE"
    found = cfn.describe_stack_resources(PhysicalResourceId=table)["StackResources"]
    assert [(r["StackName"], r["LogicalResourceId"]) for r in found] == [("TodoApp", "TodoTable")]
    detail = cfn.describe_stack_resource(StackName="TodoApp", LogicalResourceId="Fn")
    assert (
        detail["StackResourceDetail"]["PhysicalResourceId"]
        == deployment.get("TodoApp", "Fn").physical_id
    )
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    assert exports["Shared:TopicArn"] == deployment.get("Shared", "SharedTopic").physical_id
    body = cfn.get_template(StackName="Shared")["TemplateBody"]
    assert "SharedTopic" in json.dumps(body)
    assert [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]] == ["Shared", "TodoApp"]


def test_other_region_sees_no_stacks(world: Any) -> None:
    aws, _ = world
    assert aws("cloudformation", region="eu-west-1").describe_stacks()["Stacks"] == []


def test_api_gateway_reads_answer_for_recorded_rest_apis(world: Any) -> None:
    aws, deployment = world
    api = deployment.get("TodoApp", "Api")
    apigw = aws("apigateway")
    apis = apigw.get_rest_apis()["items"]
    assert [a["id"] for a in apis] == [api.physical_id]
    assert apis[0]["rootResourceId"] == api.attributes["RootResourceId"]
    assert apigw.get_rest_api(restApiId=api.physical_id)["id"] == api.physical_id
    resources = apigw.get_resources(restApiId=api.physical_id)["items"]
    todos = next(r for r in resources if r["path"] == "/todos")
    assert todos["parentId"] == api.attributes["RootResourceId"]
    assert todos["resourceMethods"]["GET"]["authorizationType"] == "COGNITO_USER_POOLS"
    stage = apigw.get_stage(restApiId=api.physical_id, stageName="local")
    deployment_id = deployment.get("TodoApp", "ApiDeployment").physical_id
    assert stage["deploymentId"] == deployment_id
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api.physical_id)["item"]] == [
        "local"
    ]
    assert [d["id"] for d in apigw.get_deployments(restApiId=api.physical_id)["items"]] == [
        deployment_id
    ]


def test_query_xml_parses_with_botocores_query_parser() -> None:
    body = query_response(
        "cloudformation",
        "ListExports",
        {"Exports": [{"ExportingStackId": "arn:x", "Name": "A&B", "Value": "<v>"}]},
    )
    shape = service_model("cloudformation").operation_model("ListExports").output_shape
    parsed = QueryParser().parse({"body": body, "headers": {}, "status_code": 200}, shape)
    assert parsed["Exports"] == [{"ExportingStackId": "arn:x", "Name": "A&B", "Value": "<v>"}]
