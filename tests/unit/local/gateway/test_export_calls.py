"""GetExport and GetSdk through boto3 (botocore parses our answers), against moto + hooks."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError
from export_rig import PETS_API_ID, TODO_API_ID, pets_deployment, todo_deployment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/unit/local: moto_harness
from moto_harness import MotoAsgi, serve

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.clients import AwsClients
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.router import route
from stratus.local.core.settings import LocalSettings, Ports
from stratus.local.gateway import controlplane


@pytest.fixture(scope="module")
def apigw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    deployment = todo_deployment()
    deployment.stacks.update(pets_deployment().stacks)
    settings = LocalSettings.for_project(
        tmp_path_factory.mktemp("export"), ports=Ports(gateway=14443)
    )
    table = controlplane.operations(lambda: deployment, lambda: settings)

    async def answer(request: AwsRequest) -> Any:
        call = route(request)
        handler = table.get(str(call.operation)) if call.service == "apigateway" else None
        return None if handler is None else await handler(call)

    moto = MotoApp()
    moto.reset()
    with serve(MotoAsgi(moto, on_request=answer)) as url:
        yield AwsClients(url, region="us-east-1", account="000000000000")("apigateway")


def test_get_export_json_with_aws_headers(apigw: Any) -> None:
    out = apigw.get_export(restApiId=TODO_API_ID, stageName="local", exportType="oas30")
    assert out["contentType"] == "application/octet-stream"
    assert out["contentDisposition"] == 'attachment; filename="oas30_2026-03-14T20:20:12Z.json"'
    doc = json.loads(out["body"].read())
    assert "/todos" in doc["paths"]
    assert (
        doc["servers"][0]["url"] == f"https://127.0.0.1:14443/restapis/{TODO_API_ID}/{{basePath}}"
    )


def test_get_export_yaml_swagger_with_extensions(apigw: Any) -> None:
    out = apigw.get_export(
        restApiId=PETS_API_ID,
        stageName="v1",
        exportType="swagger",
        accepts="application/yaml",
        parameters={"extensions": "apigateway"},
    )
    assert out["contentDisposition"].endswith('.yaml"')
    doc = yaml.safe_load(out["body"].read())
    assert doc["swagger"] == "2.0"
    assert "x-amazon-apigateway-integration" in doc["paths"]["/pets"]["get"]


def test_unknown_stage_is_not_found(apigw: Any) -> None:
    with pytest.raises(ClientError) as caught:
        apigw.get_export(restApiId=TODO_API_ID, stageName="prod", exportType="oas30")
    assert caught.value.response["Error"]["Code"] == "NotFoundException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_unknown_api_is_not_found(apigw: Any) -> None:
    with pytest.raises(ClientError) as caught:
        apigw.get_export(restApiId="nosuchapi0", stageName="local", exportType="oas30")
    assert caught.value.response["Error"]["Code"] == "NotFoundException"


def test_unknown_export_type_is_bad_request(apigw: Any) -> None:
    with pytest.raises(ClientError) as caught:
        apigw.get_export(restApiId=TODO_API_ID, stageName="local", exportType="raml")
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


def test_aws_only_sdk_type_is_bad_request_naming_ours(apigw: Any) -> None:
    with pytest.raises(ClientError) as caught:
        apigw.get_sdk(restApiId=TODO_API_ID, stageName="local", sdkType="ruby")
    error = caught.value.response["Error"]
    assert error["Code"] == "BadRequestException"
    assert "python, typescript, javascript" in error["Message"]


def test_get_sdk_python_is_a_zip_of_a_client_package(apigw: Any, tmp_path: Path) -> None:
    out = apigw.get_sdk(restApiId=TODO_API_ID, stageName="local", sdkType="python")
    assert out["contentDisposition"] == 'attachment; filename="python_2026-03-14T20:20:12Z.zip"'
    archive = zipfile.ZipFile(io.BytesIO(out["body"].read()))
    names = archive.namelist()
    root = "stratus-local-todo-client/"
    assert f"{root}pyproject.toml" in names
    assert f"{root}stratus_local_todo_client/client.py" in names
    assert f"{root}stratus_local_todo_client/api/default/todos_get.py" in names
    stage = archive.read(f"{root}stratus_local_todo_client/stage.py").decode()
    assert f"https://127.0.0.1:14443/restapis/{TODO_API_ID}/local" in stage
