"""`stratus cost --from-local`: the measured profile and the cloud's templates reach the
cost command; misuse and a missing cloud are one message and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stratus.cli.main import app
from stratus.cost import local_cli
from stratus.cost.local_usage import LocalTraffic, profile_from_usage

TEMPLATE = {
    "Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "Api"}},
        "Items": {
            "Type": "AWS::ApiGateway::Resource",
            "Properties": {"RestApiId": {"Ref": "Api"}, "PathPart": "items"},
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
        "Handler": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256}},
    }
}


def _assembly(folder: Path) -> Path:
    folder.mkdir()
    (folder / "App.template.json").write_text(json.dumps(TEMPLATE))
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
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_from_local_prices_the_measured_profile_on_the_clouds_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = {
        "seconds": 600,
        "apis": {"a/p": {"logical_id": "Api", "requests": 100, "bytes_out": 1000}},
        "functions": {"r/h": {"logical_id": "Handler", "invocations": 100, "billed_ms": 5000}},
    }
    seen: dict[str, Any] = {}

    def fake(state_dir: Path | None, *, scale: float, users: int | None) -> LocalTraffic:
        seen.update(state_dir=state_dir, scale=scale, users=users)
        profile, notes = profile_from_usage(usage, scale=scale, users=users)
        return LocalTraffic(profile, notes, _assembly(tmp_path / "cdk.out"))

    monkeypatch.setattr(local_cli, "from_local_traffic", fake)
    result = CliRunner().invoke(
        app, ["cost", "--stage", "local", "--from-local", "--scale", "10", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert seen == {"state_dir": None, "scale": 10.0, "users": None}
    assert data["stage"] == "local"
    assert data["services"]["lambda"] > 0 and data["services"]["apigateway"] > 0
    assert any("multiplied by 10" in note for note in data["assumptions"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "3"], "go with --from-local"),
        (["--from-local", "--traffic", "x.json"], "give one"),
        (["--from-local", "--users", "5", "--scale", "2"], "two scalings"),
    ],
)
def test_misuse_is_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["cost", "--stage", "local", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_no_running_cloud_is_exit_2_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["cost", "--stage", "local", "--from-local", "--state-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "stratus up is not running" in result.output
