"""The CDK Pipelines stack: stages, step order, approval before prod, the model's commands.

One synth of the pipeline (to-do system only, to keep it short: the stages build systems
exactly as the plain app does, tested there); cdk-nag runs in it, so an unacknowledged
finding fails the fixture.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stratus.infra.pipeline.model import PIPELINE

SOURCE = {
    "pipelineRepo": "acme/stratus",
    "pipelineConnectionArn": "arn:aws:codeconnections:us-east-1:111111111111:connection/abc",
}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from stratus.infra.app import build_app
    from stratus.infra.pipeline.stack import PIPELINE_STACK_NAME

    outdir = tmp_path_factory.mktemp("cdk-pipeline")
    context = {"pipeline": "true", "systems": "todo", **SOURCE}
    build_app(context=context, outdir=str(outdir)).synth()
    template = json.loads((outdir / f"{PIPELINE_STACK_NAME}.template.json").read_text())
    return {"outdir": outdir, "template": template}


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _stages(pipeline: dict[str, Any]) -> list[dict[str, Any]]:
    (cp,) = _resources(pipeline["template"], "AWS::CodePipeline::Pipeline").values()
    return list(cp["Properties"]["Stages"])


def _actions(pipeline: dict[str, Any], stage: str) -> list[tuple[str, str, int]]:
    found = next(s for s in _stages(pipeline) if s["Name"] == stage)
    return [
        (a["Name"], a["ActionTypeId"]["Category"], a["RunOrder"]) for a in found["Actions"]
    ]


def _buildspec(pipeline: dict[str, Any], logical_prefix: str) -> dict[str, Any]:
    projects = _resources(pipeline["template"], "AWS::CodeBuild::Project")
    (project,) = [p for k, p in projects.items() if k.startswith(logical_prefix)]
    spec: dict[str, Any] = json.loads(project["Properties"]["Source"]["BuildSpec"])
    return spec


def test_source_build_self_mutation_then_dev_test_prod(pipeline: dict[str, Any]) -> None:
    names = [s["Name"] for s in _stages(pipeline)]
    assert names[:3] == ["Source", "Build", "UpdatePipeline"]
    assert names[-3:] == ["Dev", "Test", "Prod"]
    (source,) = _actions(pipeline, "Source")
    assert source[1] == "Source"
    assert _actions(pipeline, "UpdatePipeline") == [("SelfMutate", "Build", 1)]


def test_synth_installs_lints_runs_unit_tests_then_synthesizes(pipeline: dict[str, Any]) -> None:
    spec = _buildspec(pipeline, "PipelineBuildSynth")
    install = spec["phases"]["install"]["commands"]
    build = spec["phases"]["build"]["commands"]
    assert ".venv/bin/python -m pip install --quiet -e '.[dev]'" in install
    # The model's commands, in the model's order: what `stratus pipeline run` runs too.
    expected = [
        " ".join(c) for s in (*PIPELINE.checks, PIPELINE.synth)
        for c in s.rendered(".venv/bin/python", ["todo"])
    ]
    assert build == expected
    assert [c.split()[2] for c in build] == ["ruff", "mypy", "pytest", "stratus.infra.app"]
    assert build[-1].endswith("-c pipeline=true -c systems=todo")
    assert spec["artifacts"]["base-directory"] == "cdk.out"


def test_each_stage_deploys_that_stages_stacks(pipeline: dict[str, Any]) -> None:
    for stage in ("dev", "test", "prod"):
        deploys = [a for a in _actions(pipeline, stage.capitalize()) if a[1] == "Deploy"]
        assert len(deploys) == 2  # CloudFormation change set: prepare, then execute
        assembly = Path(pipeline["outdir"]) / f"assembly-Stratus-Pipeline-{stage.capitalize()}"
        manifest = json.loads((assembly / "manifest.json").read_text())
        names = {
            a["properties"].get("stackName")
            for a in manifest["artifacts"].values()
            if a["type"] == "aws:cloudformation:stack"
        }
        assert names == {f"Stratus-{stage}-Todo"}


def test_integration_tests_run_after_test_is_deployed_with_its_outputs(
    pipeline: dict[str, Any],
) -> None:
    actions = _actions(pipeline, "Test")
    tests = [a for a in actions if a[0] == "IntegrationTests"]
    assert len(tests) == 1
    assert tests[0][2] > max(order for _, kind, order in actions if kind == "Deploy")
    found = next(s for s in _stages(pipeline) if s["Name"] == "Test")
    action = next(a for a in found["Actions"] if a["Name"] == "IntegrationTests")
    variables = json.loads(action["Configuration"]["EnvironmentVariables"])
    env = {v["name"]: v["value"] for v in variables}
    assert env["STRATUS_OUTPUT_TodoApiUrl"].endswith(".TodoApiUrl}")
    assert env["STRATUS_OUTPUT_UserPoolId"].endswith(".UserPoolId}")
    spec = _buildspec(pipeline, "PipelineTestIntegrationTests")
    assert spec["phases"]["build"]["commands"] == [
        ".venv/bin/python -m pytest -q -p no:cacheprovider tests/smoke/test_todo.py"
    ]
    projects = _resources(pipeline["template"], "AWS::CodeBuild::Project")
    (project,) = [p for k, p in projects.items() if k.startswith("PipelineTestIntegrationTests")]
    assert {"Name": "STRATUS_PIPELINE_STAGE", "Type": "PLAINTEXT", "Value": "test"} in project[
        "Properties"
    ]["Environment"]["EnvironmentVariables"]
    assert not [a for a in _actions(pipeline, "Dev") if a[1] in ("Build", "Approval")]


def test_a_manual_approval_comes_before_any_prod_deployment(pipeline: dict[str, Any]) -> None:
    actions = _actions(pipeline, "Prod")
    approvals = [a for a in actions if a[1] == "Approval"]
    assert [a[0] for a in approvals] == ["ApproveProd"]
    assert approvals[0][2] < min(order for _, kind, order in actions if kind == "Deploy")
    for stage in ("Dev", "Test"):
        assert not [a for a in _actions(pipeline, stage) if a[1] == "Approval"]


def test_the_pipeline_without_a_source_is_a_clear_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from stratus.infra.app import main

    assert main(["-c", "pipeline=true", "--outdir", "/nonexistent/never"]) == 2
    assert "the pipeline needs context pipelineRepo=OWNER/NAME" in capsys.readouterr().err


def test_a_smoke_suite_reading_an_output_the_stage_lacks_fails_the_synth() -> None:
    from dataclasses import replace

    from aws_cdk import App

    from stratus.infra.app import cdk_json_context
    from stratus.infra.pipeline.model import SmokeSuite
    from stratus.infra.pipeline.stack import PipelineSource, PipelineStack
    from stratus.infra.shared.stage import StageConfigError

    spec = replace(
        PIPELINE, smoke={"todo": SmokeSuite("todo", "tests/smoke/test_todo.py", ("NoSuch",))}
    )
    with pytest.raises(StageConfigError, match="test stage lacks: NoSuch"):
        PipelineStack(
            App(context=cdk_json_context()),
            source=PipelineSource.from_context(SOURCE),
            systems=["todo"],
            spec=spec,
        )
