"""`stratus pipeline run`: the CDK pipeline's steps on this machine.

Wires the runner (`stratus.infra.pipeline.runner`) to real things: commands run as
processes in the project root, each stage is deployed by `stratus up --stage <stage>` in the
background (its own state dir under `.stratus/pipeline/<stage>/`, its own free ports, started
fresh), approval is asked on the terminal. Every cloud it started is stopped by its pid at the
end, and each step's log is kept under `.stratus/pipeline/logs/`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from stratus.cli.stages import saved_ports
from stratus.cli.up import project_root
from stratus.infra.pipeline.model import PIPELINE, PipelineModelError
from stratus.infra.pipeline.runner import (
    DeployedStage,
    PipelineRunner,
    RunOptions,
    StepFailed,
    StepResult,
)
from stratus.local.core.settings import REGION, ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY
from stratus.systems import select

console = Console(stderr=True)
app = typer.Typer(no_args_is_help=True)
READY_TIMEOUT_SECONDS = 300.0  # a first start synthesizes and builds the Lambda bundles
READY_MARK = "stratus is up"
# The local synth checks the pipeline builds; it never deploys it, so a placeholder source
# stands in when cdk.json names none (CodeBuild reads the real one from cdk.json).
LOCAL_SOURCE = {
    "pipelineRepo": "local/stratus",
    "pipelineConnectionArn": "arn:aws:codeconnections:us-east-1:000000000000:connection/local",
}


class ProcessExecutor:
    """Runs a command in the project root, its output appended to the step's log."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, command: Sequence[str], *, env: Mapping[str, str], log: Path) -> int:
        with log.open("ab") as handle:
            return subprocess.run(
                list(command),
                cwd=self.root,
                env=dict(env),
                stdout=handle,
                stderr=subprocess.STDOUT,
                check=False,
            ).returncode


class LocalCloudDeployer:
    """Deploys a stage as `stratus up --stage <stage>` in the background."""

    def __init__(self, root: Path, run_dir: Path, systems: Sequence[str], python: str) -> None:
        self.root, self.run_dir, self.systems, self.python = root, run_dir, systems, python
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def state_dir(self, stage: str) -> Path:
        return self.run_dir / stage

    def deploy(self, stage: str, log: Path) -> DeployedStage:
        state_dir = self.state_dir(stage)
        args = [
            self.python,
            "-m",
            "stratus.cli.main",
            "up",
            "--stage",
            stage,
            "--state-dir",
            str(state_dir),
            "--fresh",
        ]
        for system in self.systems:
            args += ["--system", system]
        env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
        with log.open("ab") as handle:
            handle.write(f"$ {' '.join(args)}\n".encode())
            handle.flush()
            proc = subprocess.Popen(
                args, cwd=self.root, stdout=handle, stderr=subprocess.STDOUT, env=env
            )
        self.running[stage] = proc
        with log.open("ab") as handle:
            handle.write(f"[pipeline] stratus up for {stage} started: pid {proc.pid}\n".encode())
        label = f"{stage}:deploy"
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while READY_MARK not in log.read_text(errors="replace"):
            if proc.poll() is not None:
                raise StepFailed(label, f"stratus up exited with {proc.returncode}", log)
            if time.monotonic() > deadline:
                raise StepFailed(label, f"not ready after {READY_TIMEOUT_SECONDS:.0f}s", log)
            time.sleep(0.25)
        outputs = json.loads((state_dir / "outputs.json").read_text())
        ports = saved_ports(state_dir)
        return DeployedStage(
            stage=stage,
            outputs=outputs,
            env={
                "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports['aws']}",
                "AWS_ACCESS_KEY_ID": ROOT_ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY": ROOT_SECRET_ACCESS_KEY,
                "AWS_DEFAULT_REGION": REGION,
                "STRATUS_CA_BUNDLE": str(state_dir / "ca.pem"),
            },
        )

    def stop(self, stage: str) -> None:
        proc = self.running.pop(stage, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)  # `up` saves its state and stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self) -> None:
        for stage in list(self.running):
            self.stop(stage)


class ConsoleProgress:
    def __init__(self, total: int) -> None:
        self.total, self.index = total, 0

    def started(self, label: str, title: str) -> None:
        self.index += 1
        console.print(f"[bold]▶[/bold] [{self.index}/{self.total}] {label}  [dim]{title}[/dim]")

    def finished(self, label: str, seconds: float, ok: bool, log: Path | None) -> None:
        if ok:
            console.print(f"  [green]✓[/green] {label} [dim]({seconds:.1f}s)[/dim]")
        else:
            where = f" — log: {escape(str(log))}" if log else ""
            console.print(f"  [red]✗[/red] {label} failed after {seconds:.1f}s{where}")


def terminal_approval(assume_yes: bool) -> Callable[[str], bool]:
    def approve(stage: str) -> bool:
        if assume_yes:
            console.print(f"  approval for {stage}: given by --yes")
            return True
        return typer.confirm(f"Deploy to {stage}?", default=False)

    return approve


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for item in values for v in item.split(",") if v.strip()))


def _local_synth_args(root: Path, run_dir: Path) -> tuple[str, ...]:
    try:  # cdk.json read directly: importing the CDK app would start jsii for nothing
        configured = json.loads((root / "cdk.json").read_text()).get("context", {})
    except (OSError, ValueError):
        configured = {}
    args: list[str] = ["--outdir", str(run_dir / "cdk.out")]
    for key, value in LOCAL_SOURCE.items():
        if not configured.get(key):
            args += ["-c", f"{key}={value}"]
    return tuple(args)


@app.command("run")
def run(
    stages: list[str] = typer.Option(
        [], "--stages", metavar="A,B", help="Stages to deploy, in pipeline order (default: all)."
    ),
    steps: list[str] = typer.Option(
        [],
        "--steps",
        metavar="A,B",
        help="Build steps to run before the stages: lint, unit, synth (default: all).",
    ),
    no_build: bool = typer.Option(False, "--no-build", help="Skip the build steps."),
    systems: list[str] = typer.Option(
        [], "--system", metavar="NAME", help="Only this system, repeatable (default: every)."
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Approve the manual approvals (CI, no terminal)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the plan and stop."),
    work_dir: Path | None = typer.Option(
        None,
        "--work-dir",
        file_okay=False,
        help="Where the stages' clouds, the synth output and the logs go "
        "(default: .stratus/pipeline/).",
    ),
) -> None:
    """Run the CDK pipeline's steps here: lint, unit tests, synth, then each stage in its own
    local cloud with its post-deployment tests; the approval before prod asked here."""
    root = project_root()
    run_dir = (work_dir or root / ".stratus" / "pipeline").resolve()
    python = sys.executable
    options = RunOptions(
        steps=_split(steps),
        build=not no_build,
        stages=_split(stages),
        systems=_split(systems),
        synth_args=_local_synth_args(root, run_dir),
    )
    deployer = LocalCloudDeployer(root, run_dir, options.systems, python)
    runner = PipelineRunner(
        executor=ProcessExecutor(root),
        deployer=deployer,
        approve=terminal_approval(yes),
        progress=ConsoleProgress(0),
        log_dir=run_dir / "logs",
        python=python,
    )
    try:
        # An unknown system fails here, before anything runs.
        deployed = tuple(system.name for system in select(options.systems))
        options = replace(options, deployed=deployed)
        plan = runner.plan(options)
    except (PipelineModelError, ValueError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    console.print(f"pipeline: {' → '.join(plan)}")
    if dry_run:
        return
    needs_approval = any(label.endswith(":approve") for label in plan)
    if needs_approval and not yes and not sys.stdin.isatty():
        console.print(
            "[red]error:[/red] the plan has a manual approval and there is no terminal to ask "
            "on: pass --yes to approve, or leave the stage out with --stages"
        )
        raise typer.Exit(2)
    runner.progress = ConsoleProgress(len(plan))
    began = time.perf_counter()
    try:
        results = runner.run(options)
    except StepFailed as exc:
        console.print(f"[red]pipeline failed:[/red] {escape(str(exc))}")
        _summary(runner.results)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/yellow]: every cloud it started is stopped")
        raise typer.Exit(130) from None
    _summary(results)
    console.print(
        f"[bold green]pipeline passed[/bold green] in {time.perf_counter() - began:.1f}s "
        f"(logs in {escape(str(run_dir / 'logs'))})"
    )


def _summary(results: list[StepResult]) -> None:
    for result in results:
        mark = "[green]✓[/green]" if result.ok else "[red]✗[/red]"
        console.print(f"  {mark} {result.label:<16} {result.seconds:7.1f}s")


__all__ = ["PIPELINE", "app"]
