"""`stratus cost`: a readable table, the --json interface, exit 2 with a message on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stratus.cli.main import app


def run(*args: str) -> object:
    return CliRunner().invoke(app, ["cost", *args])


def test_json_has_exactly_the_documented_keys(prod_cdk_out: Path) -> None:
    result = run("--stage", "prod", "--cdk-out", str(prod_cdk_out), "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    doc = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert {"stage", "monthly_usd", "services", "assumptions"} <= set(doc)
    assert doc["stage"] == "prod"
    assert doc["monthly_usd"] > 0
    assert all(
        isinstance(k, str) and isinstance(v, float | int) for k, v in doc["services"].items()
    )
    assert abs(sum(doc["services"].values()) - doc["monthly_usd"]) < 0.05
    assert {"lambda", "apigateway", "dynamodb", "dax", "cloudfront", "cognito"} <= set(
        doc["services"]
    )
    assert all(isinstance(note, str) and note for note in doc["assumptions"])


def test_text_output_lists_services_resources_and_assumptions(prod_cdk_out: Path) -> None:
    result = run("--stage", "prod", "--cdk-out", str(prod_cdk_out), "--systems", "todo")
    out = result.stdout  # type: ignore[attr-defined]
    assert result.exit_code == 0, out  # type: ignore[attr-defined]
    assert "per resource" in out and "assumptions" in out and "total" in out
    assert "Stratus-prod-Todo/" in out and "Stratus-prod-Blog/" not in out


def test_options_change_the_estimate(prod_cdk_out: Path) -> None:
    base = json.loads(run("--cdk-out", str(prod_cdk_out), "--systems", "todo", "--json").stdout)  # type: ignore[attr-defined]
    no_dax = json.loads(
        run("--cdk-out", str(prod_cdk_out), "--systems", "todo", "--json", "--dax", "off").stdout  # type: ignore[attr-defined]
    )
    assert "dax" in base["services"] and "dax" not in no_dax["services"]


def test_bad_traffic_file_exits_2_with_the_reason(tmp_path: Path, prod_cdk_out: Path) -> None:
    bad = tmp_path / "traffic.json"
    bad.write_text('{"users": "many"}')
    result = run("--cdk-out", str(prod_cdk_out), "--traffic", str(bad))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "users: Input should be a valid integer" in result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]


def test_missing_file_unknown_region_and_bad_switch_exit_2(
    tmp_path: Path, prod_cdk_out: Path
) -> None:
    missing = run("--cdk-out", str(prod_cdk_out), "--traffic", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "cannot read traffic file" in missing.stderr  # type: ignore[attr-defined]
    region = run("--cdk-out", str(prod_cdk_out), "--region", "mars-1")
    assert region.exit_code == 2 and "no price file for Region 'mars-1'" in region.stderr  # type: ignore[attr-defined]
    switch = run("--cdk-out", str(prod_cdk_out), "--dax", "maybe")
    assert switch.exit_code == 2 and "--dax must be on or off" in switch.stderr  # type: ignore[attr-defined]
    cache = run("--cdk-out", str(prod_cdk_out), "--api-cache", "3")
    assert cache.exit_code == 2 and "no 3 GB cache" in cache.stderr  # type: ignore[attr-defined]
    system = run("--cdk-out", str(prod_cdk_out), "--systems", "nope")
    assert system.exit_code == 2 and "no stacks of system(s) nope; systems: " in system.stderr  # type: ignore[attr-defined]
    assembly = run("--cdk-out", str(tmp_path))
    assert assembly.exit_code == 2 and "cannot read the prod templates" in assembly.stderr  # type: ignore[attr-defined]


def test_without_cdk_out_the_stage_is_synthesized_from_the_project(
    prod_cdk_out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session fixture synthesized prod into <project>/.stratus/cost/prod/cdk.out: reused.
    monkeypatch.setenv("STRATUS_PROJECT_ROOT", str(prod_cdk_out.parents[3]))
    result = run("--stage", "prod", "--systems", "updates", "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    doc = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert {"ec2", "elb", "cloudfront"} <= set(doc["services"])
    assert all(key.startswith("Stratus-prod-Updates/") for key in doc["resources"])
