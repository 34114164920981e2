"""`python -m stratus.infra.app`: the entry point cdk.json, `make synth` and the local cloud use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from stratus.infra.app import PROJECT_ROOT, _parse_args


def test_cli_flags_become_context() -> None:
    context, outdir = _parse_args(
        ["--stage", "test", "--dax", "true", "--outdir", "o", "-c", "a=b"]
    )
    assert context == {"stage": "test", "dax": "true", "a": "b"}
    assert outdir == "o"


def test_other_double_dash_pairs_become_context_too() -> None:
    context, _ = _parse_args(["--callbackUrls", "https://a.example/cb", "--domainPrefix=x1"])
    assert context == {"callbackUrls": "https://a.example/cb", "domainPrefix": "x1"}


def test_cdk_json_points_at_this_module_without_version_reporting() -> None:
    cdk = json.loads((PROJECT_ROOT / "cdk.json").read_text())
    assert cdk["app"].endswith("-m stratus.infra.app")
    assert cdk["versionReporting"] is False
    assert json.loads((PROJECT_ROOT / "cdk.context.json").read_text()) == {}


def test_module_synthesizes_the_stage_given_by_cdk_context_json(tmp_path: Path) -> None:
    # The cdk CLI passes `-c` context through CDK_CONTEXT_JSON and the outdir through CDK_OUTDIR.
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({"stage": "test", "dax": "false"}),
        "CDK_OUTDIR": str(tmp_path),
        "CDK_VALIDATION": "false",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    # No AWS credentials anywhere: synth must not need them.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(key, None)
    result = subprocess.run(
        [sys.executable, "-m", "stratus.infra.app"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    template = json.loads((tmp_path / "Stratus-test-Todo.template.json").read_text())
    stage = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    assert stage[0]["Properties"]["StageName"] == "test"
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::DAX::Cluster"]


def test_invalid_stage_exits_2_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "stratus.infra.app", "--stage", "Bad-Name", "--outdir"]
    cmd.append(str(tmp_path))
    result = subprocess.run(
        cmd,
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"},
    )  # fmt: skip
    assert result.returncode == 2
    assert "stage 'Bad-Name' is invalid" in result.stderr
    assert "Traceback" not in result.stderr
