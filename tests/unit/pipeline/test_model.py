"""The pipeline model: the order, the selections and the commands both runners read."""

from __future__ import annotations

import pytest

from stratus.infra.pipeline.model import PIPELINE, PipelineModelError, output_env_name


def test_stages_run_dev_then_test_then_prod_with_approval_only_before_prod() -> None:
    assert [s.name for s in PIPELINE.stages] == ["dev", "test", "prod"]
    assert [s.name for s in PIPELINE.stages if s.approval] == ["prod"]
    assert [s.name for s in PIPELINE.stages if s.post_tests] == ["test"]


def test_build_steps_install_then_lint_then_unit_tests_then_synth() -> None:
    assert [s.name for s in PIPELINE.build_steps] == ["install", "lint", "unit", "synth"]
    assert [s.name for s in PIPELINE.build_steps if not s.runs_locally] == ["install"]


def test_commands_fill_in_the_interpreter_and_the_systems() -> None:
    (synth,) = PIPELINE.synth.rendered("/py", ["todo", "blog"])
    assert synth[:3] == ["/py", "-m", "stratus.infra.app"]
    assert "pipeline=true" in synth and "systems=todo,blog" in synth
    assert all("{" not in arg for command in PIPELINE.build_steps for arg in
               [a for c in command.rendered("/py") for a in c])


def test_selections_keep_pipeline_order_and_name_what_is_unknown() -> None:
    assert [s.name for s in PIPELINE.select_stages(["prod", "dev"])] == ["dev", "prod"]
    assert [s.name for s in PIPELINE.select_steps(["synth", "lint"])] == ["lint", "synth"]
    with pytest.raises(PipelineModelError, match=r"no stage 'qa'.*dev, test, prod"):
        PIPELINE.select_stages(["qa"])
    with pytest.raises(PipelineModelError, match="no step 'deploy'"):
        PIPELINE.select_steps(["deploy"])


def test_smoke_step_runs_only_the_deployed_systems_suites() -> None:
    todo = PIPELINE.smoke_step(["todo"])
    assert todo is not None
    (todo_only,) = todo.rendered("/py")
    assert "tests/smoke/test_todo.py" in todo_only
    assert "tests/smoke/test_blog.py" not in todo_only
    both = PIPELINE.smoke_step(["todo", "blog", "probes"])
    assert both is not None
    (command,) = both.rendered("/py")
    assert {"tests/smoke/test_todo.py", "tests/smoke/test_blog.py"} <= set(command)
    assert output_env_name("TodoApiUrl") == "STRATUS_OUTPUT_TodoApiUrl"


def test_no_smoke_step_when_no_deployed_system_has_a_suite() -> None:
    # pytest without paths would run every test of the checkout instead.
    assert PIPELINE.smoke_step(["probes"]) is None
    assert PIPELINE.smoke_step([]) is None


def test_every_smoke_suite_file_exists() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    for suite in PIPELINE.smoke.values():
        assert (root / suite.path).is_file(), suite.path


def test_the_lint_step_runs_what_make_lint_runs() -> None:
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[3] / "Makefile").read_text()
    recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    make_lint = [line.strip().replace("$(VENV)/bin/", "") for line in recipe]
    (lint,) = [s for s in PIPELINE.checks if s.name == "lint"]
    assert [" ".join(c[2:]) for c in lint.rendered("/py")] == make_lint
