"""Export and SDKs of the running to-do API: get-export, get-sdk and `stratus sdk`, and a
generated Python client calling the gateway with a real user's token."""

from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import User, aws_client

TS_BUDGET_SECONDS = 60


def todo_api(cloud: LocalCloudHandle) -> tuple[str, str, str]:
    """(id, name, stage) of the to-do API, from its URL in outputs.json and GetRestApis."""
    url = str(cloud.stack_output("TodoApiUrl"))  # https://host:port/restapis/{id}/{stage}/
    api_id, stage = url.split("/restapis/", 1)[1].strip("/").split("/")[:2]
    names = {a["id"]: a["name"] for a in aws_client(cloud, "apigateway").get_rest_apis()["items"]}
    return api_id, names[api_id], stage


def stratus_sdk(cloud: LocalCloudHandle, *args: str, timeout: float = 120) -> Any:
    return subprocess.run(
        [str(Path(sys.executable).with_name("stratus")), "sdk", *args,
         "--state-dir", str(cloud.state_dir), "--endpoint-url", cloud.aws_endpoint],
        capture_output=True, text=True, timeout=timeout, check=False,
        env=dict(os.environ, COLUMNS="200", NO_COLOR="1"),
    )  # fmt: skip


def test_get_export_lists_the_todo_paths_at_the_local_stage(local_cloud: LocalCloudHandle) -> None:
    api_id, name, stage = todo_api(local_cloud)
    out = aws_client(local_cloud, "apigateway").get_export(
        restApiId=api_id,
        stageName=stage,
        exportType="oas30",
        parameters={"extensions": "apigateway"},
    )
    assert out["contentDisposition"].startswith('attachment; filename="oas30_')
    doc = json.loads(out["body"].read())
    assert doc["info"]["title"] == name
    assert {"/todos", "/todos/{id}", "/files"} <= set(doc["paths"])
    assert (
        doc["servers"][0]["url"] == f"{local_cloud.gateway_origin}/restapis/{api_id}/{{basePath}}"
    )
    integration = doc["paths"]["/todos"]["get"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy"
    swagger = aws_client(local_cloud, "apigateway").get_export(
        restApiId=api_id, stageName=stage, exportType="swagger", accepts="application/yaml"
    )
    assert b"swagger: '2.0'" in swagger["body"].read()


def test_get_sdk_python_is_a_zip_with_a_client_package(local_cloud: LocalCloudHandle) -> None:
    api_id, _, stage = todo_api(local_cloud)
    out = aws_client(local_cloud, "apigateway").get_sdk(
        restApiId=api_id, stageName=stage, sdkType="python"
    )
    names = zipfile.ZipFile(io.BytesIO(out["body"].read())).namelist()
    assert any(n.endswith("_client/client.py") for n in names), names
    assert any(n.endswith("/api/default/todos_get.py") for n in names), names


def test_stratus_sdk_python_client_calls_the_gateway(
    local_cloud: LocalCloudHandle, alice: User, tmp_path: Path
) -> None:
    _, name, stage = todo_api(local_cloud)
    done = stratus_sdk(local_cloud, name, stage, "--lang", "python", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    package = next(p.parent.name for p in tmp_path.glob("*/client.py"))
    sys.path.insert(0, str(tmp_path))
    try:
        client_module = importlib.import_module(package)
        stage_module = importlib.import_module(f"{package}.stage")
        todos_get = importlib.import_module(f"{package}.api.default.todos_get")
        client = client_module.AuthenticatedClient(
            base_url=stage_module.DEFAULT_BASE_URL,
            token=alice.id_token,
            prefix="",
            verify_ssl=ssl.create_default_context(cafile=str(local_cloud.ca_pem)),
        )
        response = todos_get.sync_detailed(client=client)
        assert response.status_code == 200, response.content
        assert "items" in json.loads(response.content)
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[module]


def test_stratus_sdk_typescript_generates_and_type_checks(
    local_cloud: LocalCloudHandle, tmp_path: Path
) -> None:
    assert shutil.which("npm"), "npm (Node 20) is a requirement of the project: see README"
    _, name, stage = todo_api(local_cloud)
    started = time.monotonic()
    done = stratus_sdk(
        local_cloud, name, stage, "--lang", "typescript", "--out", str(tmp_path), timeout=120
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert "type-checking with tsc" in done.stdout + done.stderr
    schema = (tmp_path / "src" / "schema.ts").read_text()
    assert '"/todos": {' in schema and '"/todos/{id}": {' in schema
    index = (tmp_path / "src" / "index.ts").read_text()
    assert "createClient<paths>" in index and local_cloud.gateway_origin in index
    assert json.loads((tmp_path / "package.json").read_text())["dependencies"] == {
        "openapi-fetch": "0.17.0"
    }
    assert elapsed < TS_BUDGET_SECONDS, f"took {elapsed:.0f} s"


def test_get_sdk_javascript_is_the_compiled_typescript_client(
    local_cloud: LocalCloudHandle,
) -> None:
    assert shutil.which("npm"), "npm (Node 20) is a requirement of the project: see README"
    api_id, _, stage = todo_api(local_cloud)
    out = aws_client(local_cloud, "apigateway").get_sdk(
        restApiId=api_id, stageName=stage, sdkType="javascript"
    )
    archive = zipfile.ZipFile(io.BytesIO(out["body"].read()))
    names = archive.namelist()
    index = next(n for n in names if n.endswith("/dist/index.js"))
    assert "createClient" in archive.read(index).decode()
    assert any(n.endswith("/dist/index.d.ts") for n in names), names
