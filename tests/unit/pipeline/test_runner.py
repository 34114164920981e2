"""The local runner's order and stop rules, with a fake executor and fake stage clouds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from stratus.infra.pipeline.runner import (
    DeployedStage,
    PipelineRunner,
    RunOptions,
    StepFailed,
)


class FakeExecutor:
    def __init__(self, fail_on: str | None = None) -> None:
        self.commands: list[list[str]] = []
        self.envs: list[dict[str, str]] = []
        self.fail_on = fail_on

    def run(self, command: Sequence[str], *, env: Mapping[str, str], log: Path) -> int:
        self.commands.append(list(command))
        self.envs.append(dict(env))
        with log.open("a") as handle:
            handle.write("ran\n")
        return 1 if self.fail_on and self.fail_on in command else 0


class FakeDeployer:
    def __init__(self, fail: str | None = None) -> None:
        self.events: list[str] = []
        self.fail = fail

    def deploy(self, stage: str, log: Path) -> DeployedStage:
        self.events.append(f"up {stage}")
        if stage == self.fail:
            raise StepFailed(f"{stage}:deploy", "stratus up exited with 1", log)
        return DeployedStage(
            stage,
            {f"Stratus-{stage}-Todo": {"TodoApiUrl": f"https://{stage}/", "UserPoolId": "p"}},
            {"AWS_ENDPOINT_URL": f"http://{stage}"},
        )

    def stop(self, stage: str) -> None:
        self.events.append(f"stop {stage}")

    def stop_all(self) -> None:
        self.events.append("stop all")


class Progress:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def started(self, label: str, title: str) -> None:
        self.lines.append(f"start {label}")

    def finished(self, label: str, seconds: float, ok: bool, log: Path | None) -> None:
        assert seconds >= 0
        self.lines.append(f"{'ok' if ok else 'FAIL'} {label}")


def runner(
    tmp_path: Path,
    executor: FakeExecutor,
    deployer: FakeDeployer,
    approvals: list[str],
    answer: bool = True,
) -> tuple[PipelineRunner, Progress]:
    progress = Progress()

    def approve(stage: str) -> bool:
        approvals.append(stage)
        return answer

    return (
        PipelineRunner(
            executor=executor,
            deployer=deployer,
            approve=approve,
            progress=progress,
            log_dir=tmp_path / "logs",
            python="/py",
            base_env={"PATH": "/bin"},
        ),
        progress,
    )


def test_a_full_run_builds_then_deploys_each_stage_in_order(tmp_path: Path) -> None:
    executor, deployer, approvals = FakeExecutor(), FakeDeployer(), []
    run, progress = runner(tmp_path, executor, deployer, approvals)
    options = RunOptions(systems=("todo",), deployed=("todo",), synth_args=("--outdir", "x"))
    results = run.run(options)
    assert [r.label for r in results] == [
        "lint", "unit", "synth", "dev:deploy", "test:deploy", "test:smoke",
        "prod:approve", "prod:deploy",
    ]
    assert all(r.ok for r in results)
    assert approvals == ["prod"]
    assert deployer.events == [
        "up dev", "stop dev", "up test", "stop test", "up prod", "stop prod", "stop all"
    ]
    assert executor.commands[0][:4] == ["/py", "-m", "ruff", "check"]
    synth = next(c for c in executor.commands if "stratus.infra.app" in c)
    assert synth[-2:] == ["--outdir", "x"] and "systems=todo" in synth
    assert progress.lines[:2] == ["start lint", "ok lint"]


def test_smoke_tests_get_the_test_stages_outputs_and_endpoint(tmp_path: Path) -> None:
    executor = FakeExecutor()
    run, _ = runner(tmp_path, executor, FakeDeployer(), [])
    run.run(RunOptions(build=False, stages=("test",), systems=("todo",), deployed=("todo",)))
    (command,), (env,) = executor.commands, executor.envs
    assert command[-1] == "tests/smoke/test_todo.py"
    assert env["STRATUS_OUTPUT_TodoApiUrl"] == "https://test/"
    assert env["AWS_ENDPOINT_URL"] == "http://test"
    assert env["STRATUS_PIPELINE_STAGE"] == "test" and env["PATH"] == "/bin"


def test_a_failed_step_stops_the_run_named_with_its_log(tmp_path: Path) -> None:
    executor, deployer = FakeExecutor(fail_on="mypy"), FakeDeployer()
    run, progress = runner(tmp_path, executor, deployer, [])
    with pytest.raises(StepFailed, match="step lint failed: `/py -m mypy` exited with 1") as err:
        run.run(RunOptions())
    assert err.value.log == tmp_path / "logs" / "lint.log"
    assert "$ /py -m mypy" in err.value.log.read_text()
    assert progress.lines == ["start lint", "FAIL lint"]
    assert deployer.events == ["stop all"]  # nothing deployed, clean-up still ran


def test_a_stage_that_does_not_come_up_stops_the_run_and_every_cloud(tmp_path: Path) -> None:
    deployer = FakeDeployer(fail="test")
    run, _ = runner(tmp_path, FakeExecutor(), deployer, [])
    with pytest.raises(StepFailed, match="step test:deploy failed"):
        run.run(RunOptions(build=False, deployed=("todo",)))
    assert deployer.events == ["up dev", "stop dev", "up test", "stop all"]
    assert [(r.label, r.ok) for r in run.results] == [("dev:deploy", True), ("test:deploy", False)]


def test_refused_approval_never_deploys_prod(tmp_path: Path) -> None:
    deployer, approvals = FakeDeployer(), []
    run, _ = runner(tmp_path, FakeExecutor(), deployer, approvals, answer=False)
    with pytest.raises(StepFailed, match="deployment to prod was not approved"):
        run.run(RunOptions(build=False, stages=("prod",)))
    assert approvals == ["prod"]
    assert deployer.events == ["stop all"]


def test_plan_lists_the_selection_without_running_anything(tmp_path: Path) -> None:
    executor, deployer = FakeExecutor(), FakeDeployer()
    run, _ = runner(tmp_path, executor, deployer, [])
    options = RunOptions(steps=("synth",), stages=("dev", "test"), deployed=("todo",))
    assert run.plan(options) == ["synth", "dev:deploy", "test:deploy", "test:smoke"]
    # A selection with no smoke suite (the probes system) has no smoke step to run.
    assert run.plan(RunOptions(build=False, stages=("test",), deployed=("probes",))) == [
        "test:deploy"
    ]
    assert executor.commands == [] and deployer.events == []
