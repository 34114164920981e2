"""Reading cdk.out: stacks in dependency order, templates, parameters, asset directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stratus.local.provision.assembly import AssemblyError, read_assembly

FIXTURE = Path(__file__).parent / "fixtures" / "templates" / "app"


def test_stacks_come_in_dependency_order_with_names_and_parameters() -> None:
    assembly = read_assembly(FIXTURE)
    assert [s.stack_name for s in assembly.stacks] == ["Shared", "TodoApp"]
    app = assembly.stack("TodoApp")
    assert app.artifact_id == "App"
    assert app.parameters == {"Stage": "local"}
    assert app.template()["Resources"]["Fn"]["Type"] == "AWS::Lambda::Function"


def test_asset_path_resolves_to_absolute_directory() -> None:
    app = read_assembly(FIXTURE).stack("App")
    assert app.asset_dir("asset.abc123") == (FIXTURE / "asset.abc123").resolve()
    assert (app.asset_dir("asset.abc123") / "index.py").is_file()


def test_nested_stage_assembly_is_followed(tmp_path: Path) -> None:
    nested = tmp_path / "assembly-Local"
    nested.mkdir()
    (nested / "S.template.json").write_text('{"Resources": {}}')
    (nested / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "S": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "S.template.json", "stackName": "Local-S"},
                    }
                }
            }
        )
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "Local": {
                        "type": "cdk:cloud-assembly",
                        "properties": {"directoryName": "assembly-Local"},
                    }
                }
            }
        )
    )
    stacks = read_assembly(tmp_path).stacks
    assert [(s.artifact_id, s.stack_name) for s in stacks] == [("Local/S", "Local-S")]
    assert stacks[0].assembly_dir == nested


def test_missing_manifest_says_run_synth(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match="cdk synth"):
        read_assembly(tmp_path)


def test_dependency_cycle_is_an_error(tmp_path: Path) -> None:
    def stack(dep: str) -> dict[str, object]:
        return {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": "x.json"},
            "dependencies": [dep],
        }

    (tmp_path / "manifest.json").write_text(
        json.dumps({"artifacts": {"A": stack("B"), "B": stack("A")}})
    )
    with pytest.raises(AssemblyError, match="cycle"):
        read_assembly(tmp_path)


def test_unreadable_template_names_the_stack(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "A": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "missing.json"},
                    }
                }
            }
        )
    )
    with pytest.raises(AssemblyError, match=r"^A: cannot read"):
        read_assembly(tmp_path).stacks[0].template()
