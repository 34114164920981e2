"""`stratus trust`: make this machine's clients trust the local CA.

Prints, per trust store, what makes it trust `.stratus/ca.pem` (steps in
`trust_steps.py`), and writes `.stratus/ca-bundle.pem` (the system's roots plus the local
CA) for the Python variables whose bundle replaces the system store. `--install` performs
what it can: the OS store when run as root (it never runs sudo itself: it says so), and
the user's own NSS databases (Firefox, Chromium on Linux).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from stratus.cli import trust_steps as steps
from stratus.cli.stages import DEFAULT_STAGE, stage_state_dir
from stratus.cli.up import project_root
from stratus.local.core.settings import LocalSettings


def _settings(app_dir: Path | None, state_dir: Path | None, stage: str) -> LocalSettings:
    root = project_root(app_dir)
    if state_dir is None:
        state_dir = stage_state_dir(LocalSettings.for_project(root).state_dir, stage)
    return LocalSettings.for_project(root, state_dir)


def trust(
    install: bool = typer.Option(
        False,
        "--install",
        help="Perform the steps: the system store (needs root; never sudo by itself), "
        "the user's NSS databases, the combined bundle.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the steps as JSON."),
    app_dir: Path | None = typer.Option(
        None, "--app", metavar="DIR", file_okay=False, help="The CDK app given to `up --app`."
    ),
    state_dir: Path | None = typer.Option(None, help="State directory of the cloud."),
    stage: str = typer.Option(DEFAULT_STAGE, help="The stage given to `up --stage`."),
) -> None:
    """Print (or with --install perform) what makes the local CA trusted by the system
    store, Python, Node and browsers."""
    settings = _settings(app_dir, state_dir, stage)
    ca = settings.ca_pem
    if not ca.is_file():
        from stratus.local.core.tls import ensure_tls

        ensure_tls(settings)  # the CA `stratus up` would create: trusted before first use
    bundle = steps.write_bundle(ca, settings.ca_bundle, steps.system_bundle())
    system = steps.system_steps(ca)  # this OS's first
    python, node, browsers = steps.client_steps(ca, bundle)
    if install:
        system[0].done = steps.install_system(ca)
        browsers.done = steps.install_nss(
            ca, [Path.home() / ".pki" / "nssdb", *steps.firefox_profiles()]
        )
    written = steps.Step("Combined CA bundle", [], done=f"written: {bundle}")
    report = steps.TrustReport(ca, steps.fingerprint(ca), bundle)
    report.steps = [*system, written, python, node, browsers]
    if as_json:
        typer.echo(json.dumps(_as_dict(report), indent=2))
    else:
        _print(report)


def _as_dict(report: steps.TrustReport) -> dict[str, object]:
    return {
        "ca": str(report.ca_pem),
        "sha256": report.fingerprint,
        "bundle": str(report.bundle),
        "steps": [
            {"title": s.title, "commands": s.commands, "note": s.note, "done": s.done}
            for s in report.steps
        ],
    }


def _print(report: steps.TrustReport) -> None:
    typer.echo(f"Local CA      {report.ca_pem}")
    typer.echo(f"SHA-256       {report.fingerprint}")
    typer.echo(f"Bundle        {report.bundle}  (system roots + local CA)")
    for step in report.steps:
        typer.echo("")
        typer.echo(f"# {step.title}")
        for command in step.commands:
            typer.echo(f"  {command}")
        if step.note:
            typer.echo(f"  ({step.note})")
        if step.done:
            typer.echo(f"  -> {step.done}")
