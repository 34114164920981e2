"""Where the CLI finds the API, the CA and Cognito: the rules `stratus up` and AWS both satisfy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stratus.cli.todo.settings import SettingsError, load_settings

STACK = {
    "TodoApiUrl": "https://127.0.0.1:4443/restapis/abc/local",
    "UserPoolId": "us-east-1_x", "UserPoolClientId": "client", "Region": "eu-west-1",
}  # fmt: skip


def write_outputs(folder: Path, stacks: dict[str, dict[str, str]]) -> Path:
    state = folder / ".stratus"
    state.mkdir(parents=True)
    (state / "outputs.json").write_text(json.dumps(stacks))
    return state


def test_finds_the_todo_stack_from_a_subfolder_with_the_ca_beside_it(tmp_path: Path) -> None:
    state = write_outputs(tmp_path, {"Other": {"Url": "x"}, "Stratus-local-Todo": STACK})
    (state / "ca.pem").write_text("pem")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    s = load_settings(env={}, cwd=tmp_path / "deep" / "er")
    assert s.api_url == "https://127.0.0.1:4443/restapis/abc/local/"
    assert (s.region, s.client_id, s.verify) == ("eu-west-1", "client", str(state / "ca.pem"))
    assert s.cognito_endpoint == "http://127.0.0.1:4566"  # loopback API => the local AWS endpoint


def test_env_overrides_outputs_ca_and_endpoint(tmp_path: Path) -> None:
    aws = {**STACK, "TodoApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com/prod/"}
    state = write_outputs(tmp_path / "elsewhere", {"Prod": aws})
    ca = tmp_path / "corp.pem"
    ca.write_text("pem")
    env = {"STRATUS_OUTPUTS": str(state / "outputs.json"), "STRATUS_CA_BUNDLE": str(ca)}
    s = load_settings(env=env, cwd=tmp_path)
    assert (s.verify, s.cognito_endpoint) == (str(ca), None)  # real AWS: no endpoint override
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9999"
    assert load_settings(env=env, cwd=tmp_path).cognito_endpoint == "http://127.0.0.1:9999"


@pytest.mark.parametrize(
    ("stacks", "message"),
    [
        (None, "run `stratus up`"),
        ({"Blog": {"SiteUrl": "x"}}, "no stack output named TodoApiUrl"),
        ({"Todo": {"TodoApiUrl": "https://x/"}}, "lacks UserPoolId, UserPoolClientId"),
    ],
)
def test_missing_pieces_are_named(
    tmp_path: Path, stacks: dict[str, dict[str, str]] | None, message: str
) -> None:
    if stacks is not None:
        write_outputs(tmp_path, stacks)
    with pytest.raises(SettingsError, match=message.replace("`", ".")):
        load_settings(env={}, cwd=tmp_path)


def test_a_lan_cloud_is_found_by_its_endpoints_file(tmp_path: Path) -> None:
    lan = {**STACK, "TodoApiUrl": "https://192.168.1.20:4443/restapis/abc/local"}
    state = write_outputs(tmp_path, {"Stratus-local-Todo": lan})
    assert load_settings(env={}, cwd=tmp_path).cognito_endpoint is None  # not known as local
    (state / "endpoints.json").write_text(json.dumps({"aws": "http://192.168.1.20:4566"}))
    assert load_settings(env={}, cwd=tmp_path).cognito_endpoint == "http://192.168.1.20:4566"
