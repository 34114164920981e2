"""`stratus pipeline run`'s refusals and plan, before anything runs."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from stratus.cli.main import app

ROOT = Path(__file__).resolve().parents[3]


def _invoke(*args: str) -> tuple[int, str]:
    env = {"COLUMNS": "200", "NO_COLOR": "1", "STRATUS_PROJECT_ROOT": str(ROOT)}
    result = CliRunner().invoke(app, ["pipeline", "run", *args], env=env)
    return result.exit_code, result.output


def test_dry_run_shows_the_whole_plan_in_pipeline_order(tmp_path: Path) -> None:
    code, output = _invoke("--dry-run", "--work-dir", str(tmp_path))
    assert code == 0, output
    assert (
        "pipeline: lint → unit → synth → dev:deploy → test:deploy → test:smoke → "
        "prod:approve → prod:deploy"
    ) in output
    assert not (tmp_path / "logs").exists()


def test_selections_narrow_the_plan(tmp_path: Path) -> None:
    code, output = _invoke(
        "--dry-run", "--no-build", "--stages", "test,dev", "--work-dir", str(tmp_path)
    )
    assert code == 0 and "pipeline: dev:deploy → test:deploy → test:smoke" in output


def test_an_approval_without_a_terminal_is_refused_unless_yes(tmp_path: Path) -> None:
    code, output = _invoke("--no-build", "--stages", "prod", "--work-dir", str(tmp_path))
    assert code == 2
    assert "no terminal to ask on: pass --yes" in output
    assert not (tmp_path / "logs").exists()  # refused before anything ran


def test_unknown_stage_step_or_system_is_a_usage_error(tmp_path: Path) -> None:
    for args, message in (
        (("--stages", "qa"), "no stage 'qa'"),
        (("--steps", "deploy"), "no step 'deploy'"),
        (("--system", "nope"), "unknown system 'nope'"),
    ):
        code, output = _invoke("--dry-run", *args, "--work-dir", str(tmp_path))
        assert code == 2 and message in output, output
