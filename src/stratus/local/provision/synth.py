"""Synthesize a project's CDK app the way the CDK CLI does, skipping it when nothing changed.

Any CDK app, in any language: its `app` command runs through a shell in the project root with
the environment the CDK CLI gives it (aws-cdk `packages/aws-cdk/lib/api/cxapp/exec.ts`,
`execProgram` / `prepareDefaultEnvironment` / `prepareContext`; names from
`aws-cdk-lib/cx-api/lib/cxapi.ts`):

- `CDK_OUTDIR`: where the app writes the cloud assembly;
- `CDK_CONTEXT_JSON`: the context, merged as the CLI's `Configuration.load` does (first wins:
  the given context, then cdk.json's `context`, then cdk.context.json), plus the settings
  keys the CLI adds (path and asset metadata on, version reporting per cdk.json, bundling
  for every stack);
- `CDK_DEFAULT_ACCOUNT` / `CDK_DEFAULT_REGION`: the local cloud's account and region.

The interpreter running stratus has its `bin` directory first on PATH, so `python3 app.py`
finds aws-cdk-lib. Like the CLI, cdk.json's `build` command runs first, and a lone `.js`
file is run with node. Synthesis takes seconds (jsii + asset bundling), so the assembly is
reused while the project's inputs, the app command and the context are unchanged; it runs in
a child process, keeping jsii's Node process out of the long-running local cloud. Two
processes synthesizing into one directory take turns (an exclusive lock beside it): the CDK
app does not expect another writer there (`EEXIST` staging an asset, a manifest read half
written), and the second then finds the first one's assembly current and reuses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from stratus.local.core.settings import ACCOUNT_ID, REGION
from stratus.local.provision.project import Project, read_cdk_json

FINGERPRINT_FILE = ".stratus-fingerprint"
CDK_CONTEXT_FILE = "cdk.context.json"
# cx-api context keys the CLI sets from its own settings (prepareContext in exec.ts).
PATH_METADATA_ENABLE_CONTEXT = "aws:cdk:enable-path-metadata"
ASSET_RESOURCE_METADATA_ENABLED_CONTEXT = "aws:cdk:enable-asset-metadata"
ANALYTICS_REPORTING_ENABLED_CONTEXT = "aws:cdk:version-reporting"
DISABLE_VERSION_REPORTING_CONTEXT = "aws:cdk:disable-version-reporting"
BUNDLING_STACKS = "aws:cdk:bundling-stacks"
_TAIL_LINES = 25


class SynthError(RuntimeError):
    pass


def _json_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SynthError(f"cannot read {path}: {exc}") from exc
    return data if isinstance(data, dict) else {}


def app_context(project: Project, context: Mapping[str, Any]) -> dict[str, Any]:
    """The context the app sees: as `cdk synth -c ...` would pass it, then the project's own."""
    cdk = read_cdk_json(project.root)
    merged: dict[str, Any] = {}
    merged.update(_json_file(project.root / CDK_CONTEXT_FILE))
    cdk_context = cdk.get("context")
    if isinstance(cdk_context, dict):
        merged.update(cdk_context)
    merged.update(project.context)
    merged.update(context)
    merged[PATH_METADATA_ENABLE_CONTEXT] = True
    # The local Lambda runtime finds each function's code through aws:asset:path metadata.
    merged[ASSET_RESOURCE_METADATA_ENABLED_CONTEXT] = True
    if cdk.get("versionReporting", True):
        merged[ANALYTICS_REPORTING_ENABLED_CONTEXT] = True
    else:
        merged[DISABLE_VERSION_REPORTING_CONTEXT] = True
    merged[BUNDLING_STACKS] = ["**"]
    return merged


def app_environment(
    project: Project,
    outdir: Path,
    context: Mapping[str, Any],
    *,
    region: str = REGION,
    account: str = ACCOUNT_ID,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment the app command runs in."""
    env = dict(os.environ if base is None else base)
    # Not resolved: a virtualenv's python is a symlink, and its bin dir is what we want.
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in (bin_dir, env.get("PATH", "")) if p)
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps(app_context(project, context))
    env["CDK_DEFAULT_REGION"] = region
    env["CDK_DEFAULT_ACCOUNT"] = account
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    return env


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def fingerprint(
    project: Project, context: Mapping[str, Any], *, exclude: Path | None = None
) -> str:
    """Hash of what shapes the assembly: the app command, the context and the input files."""
    digest = hashlib.sha256()
    digest.update(project.app_command.encode() + b"\0")
    digest.update(json.dumps(app_context(project, context), sort_keys=True).encode() + b"\0")
    for base in project.synth_inputs:
        for path in _files(base):
            if exclude is not None and path.is_relative_to(exclude):
                continue
            name = path.relative_to(project.root) if path.is_relative_to(project.root) else path
            digest.update(str(name).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _command(project: Project) -> str:
    """cdk.json's app, with the CLI's one guess: a lone non-executable `.js` file runs on node."""
    app = project.app_command.strip()
    target = project.root / app
    lone_js = " " not in app and app.endswith(".js") and target.is_file()
    if lone_js and not os.access(target, os.X_OK):
        return f"node {app}"
    return app


def _run(command: str, project: Project, env: Mapping[str, str], what: str) -> None:
    proc = subprocess.run(
        command, shell=True, cwd=project.root, env=dict(env), capture_output=True, text=True
    )
    if proc.returncode != 0:
        output = (proc.stderr or "").strip() or (proc.stdout or "").strip() or "(no output)"
        tail = "\n".join(output.splitlines()[-_TAIL_LINES:])
        raise SynthError(
            f"{what} failed (exit {proc.returncode}): `{command}` in {project.root}\n{tail}"
        )


def synthesize(
    project: Project,
    outdir: Path,
    context: Mapping[str, Any],
    *,
    region: str = REGION,
    account: str = ACCOUNT_ID,
    force: bool = False,
) -> bool:
    """Write the project's cloud assembly to `outdir`. Returns False when the cached one was
    reused (same inputs, app command and context as last time)."""
    outdir = outdir.resolve()
    with _exclusive(outdir):
        return _synthesize(project, outdir, context, region=region, account=account, force=force)


@contextlib.contextmanager
def _exclusive(outdir: Path) -> Iterator[None]:
    """Held while `outdir` is checked and written; released when the process ends anyway."""
    outdir.parent.mkdir(parents=True, exist_ok=True)
    with open(outdir.parent / f".{outdir.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _synthesize(
    project: Project,
    outdir: Path,
    context: Mapping[str, Any],
    *,
    region: str,
    account: str,
    force: bool,
) -> bool:
    stamp = outdir / FINGERPRINT_FILE
    # The state directory may sit inside the project (DIR/.stratus): never hash it.
    state = outdir.parent
    exclude = outdir if project.root.is_relative_to(state) else state
    digest = fingerprint(project, context, exclude=exclude)
    if (
        not force
        and stamp.exists()
        and stamp.read_text() == digest
        and (outdir / "manifest.json").exists()
    ):
        return False
    outdir.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    env = app_environment(project, outdir, context, region=region, account=account)
    build = read_cdk_json(project.root).get("build")
    if isinstance(build, str) and build.strip():
        _run(build, project, env, "the CDK app's build command")
    _run(_command(project), project, env, "CDK synthesis")
    if not (outdir / "manifest.json").exists():
        raise SynthError(
            f"`{project.app_command}` in {project.root} wrote no cloud assembly to {outdir} "
            "(does the app call app.synth()?)"
        )
    stamp.write_text(digest)
    return True
