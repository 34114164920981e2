"""`stratus pipeline run`'s engine: the pipeline model's steps, run on this machine.

The same steps as the CDK pipeline, in the same order, from the same model: the build steps
that run locally (lint, unit tests, synth of the pipeline), then each stage — the approval
first where the model asks for one, the stage deployed to its own local cloud, its
post-deployment tests against that cloud's outputs. The first failure stops the run, named
with its log. How commands run, how a stage is deployed, how approval is asked and how
progress is shown are injected, so the order and the stop-on-failure rules are tested with
fakes and the CLI wires in processes, `stratus up` and the terminal.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from stratus.infra.pipeline.model import (
    PIPELINE,
    PipelineSpec,
    Step,
    output_env_name,
    smoke_environment,
)


class Executor(Protocol):
    def run(self, command: Sequence[str], *, env: Mapping[str, str], log: Path) -> int:
        """Run one command to completion, its output appended to `log`; the exit code."""


@dataclass
class DeployedStage:
    """A stage running in a local cloud: its outputs and how a client reaches it."""

    stage: str
    outputs: dict[str, dict[str, Any]]
    env: dict[str, str] = field(default_factory=dict)  # AWS_ENDPOINT_URL, CA bundle...

    def test_env(self) -> dict[str, str]:
        env = {**self.env, **smoke_environment(self.stage)}
        for values in self.outputs.values():
            for key, value in values.items():
                env[output_env_name(key)] = str(value)
        return env


class StageDeployer(Protocol):
    def deploy(self, stage: str, log: Path) -> DeployedStage:
        """Bring the stage up (raises StepFailed when it cannot)."""

    def stop(self, stage: str) -> None:
        """Stop the stage's cloud if it runs."""

    def stop_all(self) -> None:
        """Stop every cloud this deployer started."""


class Progress(Protocol):
    def started(self, label: str, title: str) -> None: ...

    def finished(self, label: str, seconds: float, ok: bool, log: Path | None) -> None: ...


class StepFailed(RuntimeError):
    def __init__(self, step: str, reason: str, log: Path | None) -> None:
        where = f" (log: {log})" if log else ""
        super().__init__(f"step {step} failed: {reason}{where}")
        self.step, self.reason, self.log = step, reason, log


@dataclass
class StepResult:
    label: str
    seconds: float
    ok: bool
    log: Path | None


@dataclass
class RunOptions:
    steps: tuple[str, ...] = ()  # build steps to run (default: every local one)
    build: bool = True  # False: no build step at all, straight to the stages
    stages: tuple[str, ...] = ()  # stages to deploy (default: all)
    systems: tuple[str, ...] = ()  # systems to build, deploy and test (default: all)
    # The systems that selection deploys, by name (the registry's answer): whose smoke
    # suites run after the stages that have post-deployment tests.
    deployed: tuple[str, ...] = ()
    # Extra arguments for the local synth (the pipeline's source placeholder).
    synth_args: tuple[str, ...] = ()


class PipelineRunner:
    def __init__(
        self,
        *,
        executor: Executor,
        deployer: StageDeployer,
        approve: Callable[[str], bool],
        progress: Progress,
        log_dir: Path,
        python: str = sys.executable,
        base_env: Mapping[str, str] | None = None,
        spec: PipelineSpec = PIPELINE,
    ) -> None:
        self.executor, self.deployer, self.approve = executor, deployer, approve
        self.progress, self.log_dir, self.python, self.spec = progress, log_dir, python, spec
        self.base_env = dict(os.environ if base_env is None else base_env)
        self.results: list[StepResult] = []

    def plan(self, options: RunOptions) -> list[str]:
        """The labels of what `run` will do, in order (for --dry-run and the tests)."""
        labels = [s.name for s in self._build_steps(options)]
        for stage in self.spec.select_stages(options.stages):
            if stage.approval:
                labels.append(f"{stage.name}:approve")
            labels.append(f"{stage.name}:deploy")
            if stage.post_tests and self.spec.smoke_step(options.deployed) is not None:
                labels.append(f"{stage.name}:smoke")
        return labels

    def run(self, options: RunOptions) -> list[StepResult]:
        """Run everything selected; raise StepFailed at the first failure. Every cloud the
        run started is stopped, whatever happens."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            for step in self._build_steps(options):
                extra = options.synth_args if step is self.spec.synth else ()
                self._shell(step.name, step, options.systems, self.base_env, extra)
            for stage in self.spec.select_stages(options.stages):
                name = stage.name
                if stage.approval:
                    self._timed(
                        f"{name}:approve", "Manual approval", None, partial(self._approve, name)
                    )
                log = self._log(f"{name}-deploy")
                deployed: DeployedStage = self._timed(
                    f"{name}:deploy",
                    f"Deploy {name} to a local cloud",
                    log,
                    partial(self.deployer.deploy, name, log),
                )
                smoke = self.spec.smoke_step(options.deployed) if stage.post_tests else None
                if smoke is not None:
                    env = {**self.base_env, **deployed.test_env()}
                    self._shell(f"{name}:smoke", smoke, options.systems, env, ())
                self.deployer.stop(stage.name)
        finally:
            self.deployer.stop_all()
        return self.results

    # ------------------------------------------------------------------------------------
    def _build_steps(self, options: RunOptions) -> tuple[Step, ...]:
        if not options.build:
            return ()
        return tuple(s for s in self.spec.select_steps(options.steps) if s.runs_locally)

    def _log(self, name: str) -> Path:
        return self.log_dir / f"{name.replace(':', '-')}.log"

    def _approve(self, stage: str) -> None:
        if not self.approve(stage):
            raise StepFailed(f"{stage}:approve", f"deployment to {stage} was not approved", None)

    def _shell(
        self,
        label: str,
        step: Step,
        systems: Sequence[str],
        env: Mapping[str, str],
        extra: Sequence[str],
    ) -> None:
        log = self._log(label)
        log.write_text("")

        def run() -> None:
            for command in step.rendered(self.python, systems):
                command = [*command, *extra] if extra else command
                with log.open("a") as handle:
                    handle.write(f"$ {' '.join(command)}\n")
                code = self.executor.run(command, env=env, log=log)
                if code != 0:
                    raise StepFailed(label, f"`{' '.join(command)}` exited with {code}", log)

        self._timed(label, step.title, log, run)

    def _timed(self, label: str, title: str, log: Path | None, action: Callable[[], Any]) -> Any:
        self.progress.started(label, title)
        began = time.perf_counter()
        try:
            result = action()
        except StepFailed as exc:
            elapsed = time.perf_counter() - began
            self.results.append(StepResult(label, elapsed, False, exc.log or log))
            self.progress.finished(label, elapsed, False, exc.log or log)
            raise
        elapsed = time.perf_counter() - began
        self.results.append(StepResult(label, elapsed, True, log))
        self.progress.finished(label, elapsed, True, log)
        return result
