"""Client generation from an export: the document generators read, names, npm missing, and
`stratus sdk` against an AWS endpoint that answers GetExport (moto + the control plane)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from export_rig import PETS_API_ID, TODO_API_ID, pets_deployment, todo_deployment
from typer.testing import CliRunner

from stratus.local.gateway import sdk
from stratus.local.gateway.export import build_document
from stratus.local.gateway.export_source import api_source, find_api

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/unit/local: moto_harness
from moto_harness import MotoAsgi, serve

from stratus.cli.main import app
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.router import route
from stratus.local.core.settings import LocalSettings
from stratus.local.gateway import controlplane

ORIGIN = "https://127.0.0.1:4443"


def todo_export() -> dict[str, Any]:
    deployment = todo_deployment()
    found = find_api(deployment, "us-east-1", TODO_API_ID)
    assert found is not None
    return build_document(api_source(*found, "local"), "oas30", set(), ORIGIN)


def test_sdk_document_completes_what_aws_exports() -> None:
    doc = sdk.sdk_document(todo_export())
    assert "options" not in doc["paths"]["/todos"]
    assert "/" not in doc["paths"]  # only OPTIONS there
    get = doc["paths"]["/todos/{id}"]["get"]
    assert get["operationId"] == "todosIdGet"
    assert get["responses"] == {"default": {"description": "The integration's response"}}
    assert doc["info"]["version"] == "2026.3.14"


def test_proxy_paths_and_names() -> None:
    deployment = pets_deployment()
    found = find_api(deployment, "us-east-1", PETS_API_ID)
    assert found is not None
    doc = sdk.sdk_document(build_document(api_source(*found, "v1"), "oas30", set(), ORIGIN))
    assert sorted(doc["paths"]["/{proxy}"]) == ["delete", "get", "patch", "post", "put"]
    assert doc["paths"]["/{proxy}"]["put"]["operationId"] == "proxyPut"
    assert doc["paths"]["/pets"]["get"]["operationId"] == "ListPets"  # OperationName kept
    assert sdk.aws_operation_name("/files/upload-url", "post") == "filesUploadUrlPost"
    assert sdk.names_for("stratus-local-todo") == sdk.Names(
        "stratus-local-todo-client", "stratus_local_todo_client"
    )
    assert sdk.names_for("1 API!").package == "api_1_api_client"
    assert sdk.base_url(doc) == f"{ORIGIN}/restapis/{PETS_API_ID}/v1"


def test_missing_npm_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk.shutil, "which", lambda _name: None)
    with pytest.raises(sdk.SdkError, match=r"npm is not installed.*Node\.js"):
        sdk.ensure_ts_tools(tmp_path / "tools", log=lambda _: None)


# -- the command ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    deployment = todo_deployment()
    settings = LocalSettings.for_project(tmp_path_factory.mktemp("sdk-cloud"))
    table = controlplane.operations(lambda: deployment, lambda: settings)

    async def answer(request: AwsRequest) -> Any:
        call = route(request)
        handler = table.get(str(call.operation)) if call.service == "apigateway" else None
        return None if handler is None else await handler(call)

    moto = MotoApp()
    moto.reset()
    with serve(MotoAsgi(moto, on_request=answer)) as url:
        yield url


def run(args: list[str], tmp_path: Path) -> tuple[int, str]:
    """Exit code and output with rich's line wrapping undone."""
    (tmp_path / "cdk.json").write_text("{}")
    result = CliRunner().invoke(app, ["sdk", *args, "--app", str(tmp_path)])
    return result.exit_code, " ".join(result.output.split())


def test_stratus_sdk_python_writes_an_importable_client(endpoint: str, tmp_path: Path) -> None:
    out = tmp_path / "client"
    code, output = run(
        ["stratus-local-todo", "local", "--lang", "python", "--out", str(out),
         "--endpoint-url", endpoint],
        tmp_path,
    )  # fmt: skip
    assert code == 0, output
    assert (out / "pyproject.toml").is_file()
    sys.path.insert(0, str(out))
    try:
        package = importlib.import_module("stratus_local_todo_client")
        stage = importlib.import_module("stratus_local_todo_client.stage")
        todos_get = importlib.import_module("stratus_local_todo_client.api.default.todos_get")
        client = package.AuthenticatedClient(base_url=stage.DEFAULT_BASE_URL, token="t", prefix="")
        assert f"{ORIGIN}/restapis/{TODO_API_ID}/local" == stage.DEFAULT_BASE_URL
        assert callable(todos_get.sync_detailed)
        assert client.token == "t"
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.startswith("stratus_local_todo_client")]:
            del sys.modules[name]


def test_stratus_sdk_unknown_api_lists_the_clouds_apis(endpoint: str, tmp_path: Path) -> None:
    code, output = run(["nope", "local", "--lang", "python", "--endpoint-url", endpoint], tmp_path)
    assert code == 1
    assert f"the cloud has: stratus-local-todo ({TODO_API_ID})" in output


def test_stratus_sdk_unknown_stage_and_lang(endpoint: str, tmp_path: Path) -> None:
    code, output = run(
        [TODO_API_ID, "prod", "--lang", "python", "--endpoint-url", endpoint], tmp_path
    )
    assert code == 1
    assert "(NotFoundException)" in output and "Invalid stage identifier specified" in output
    code, output = run(
        [TODO_API_ID, "local", "--lang", "ruby", "--endpoint-url", endpoint], tmp_path
    )
    assert code == 2


def test_stratus_sdk_without_a_running_cloud(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    code, output = run([TODO_API_ID, "local", "--lang", "python"], tmp_path)
    assert code == 1
    assert "stratus up is not running" in output
