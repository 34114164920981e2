"""The shipped clients against the running local cloud: the `stratus todo` CLI and OpenAPI."""

from __future__ import annotations

import json
import os
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, LocalCloudHandle, unique_email
from tests.integration.conftest import PASSWORD


def run_cli(
    cloud: LocalCloudHandle, config_home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        STRATUS_OUTPUTS=str(cloud.state_dir / "outputs.json"),
        STRATUS_CA_BUNDLE=str(cloud.ca_pem),
        AWS_ENDPOINT_URL=cloud.aws_endpoint,
        XDG_CONFIG_HOME=str(config_home),
        COLUMNS="200",
    )
    stratus = str(Path(sys.executable).with_name("stratus"))
    return subprocess.run(
        [stratus, "todo", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_cli_sign_up_confirm_login_add_list(local_cloud: LocalCloudHandle, tmp_path: Path) -> None:
    email = unique_email("cli")
    assert run_cli(local_cloud, tmp_path, "sign-up", email, "--password", PASSWORD).returncode == 0
    wrong = run_cli(local_cloud, tmp_path, "confirm", email, "000000")
    if local_cloud.confirmation_code(email) != "000000":
        assert wrong.returncode == 1 and "Traceback" not in wrong.stderr + wrong.stdout
    code = local_cloud.confirmation_code(email)
    assert run_cli(local_cloud, tmp_path, "confirm", email, code).returncode == 0
    assert run_cli(local_cloud, tmp_path, "login", email, "--password", PASSWORD).returncode == 0

    token_files = [p for p in (tmp_path / "stratus").iterdir() if p.is_file()]
    assert token_files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in token_files)

    added = run_cli(local_cloud, tmp_path, "add", "Water the plants", "--json")
    assert added.returncode == 0, added.stderr
    todo = json.loads(added.stdout)
    listed = run_cli(local_cloud, tmp_path, "list", "--json")
    assert todo["id"] in [item["id"] for item in json.loads(listed.stdout)["items"]]

    bad = run_cli(local_cloud, tmp_path, "add", "x" * 300)
    assert bad.returncode == 1
    assert "title" in (bad.stdout + bad.stderr) and "Traceback" not in bad.stderr


@pytest.mark.parametrize("path", ["/openapi/todo.json"])
def test_openapi_document_is_served_from_the_code(local_cloud: LocalCloudHandle, path: str) -> None:
    context = ssl.create_default_context(cafile=str(local_cloud.ca_pem))
    document = httpx.get(local_cloud.gateway_origin + path, verify=context).json()
    operations = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert {"list_todos", "create_todo", "create_upload_url"} <= operations
    assert document["servers"][0]["url"].startswith(local_cloud.gateway_origin + "/restapis/")
