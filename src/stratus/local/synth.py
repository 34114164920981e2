"""Synthesize the CDK app for the local cloud, skipping the work when nothing changed.

Synthesis takes seconds (jsii + the Lambda bundle), and `up` should be ready fast on a warm
machine, so the cloud assembly is reused while the sources that shape it are unchanged.
Synthesis runs in a child process: jsii's Node process and CDK's memory stay out of the
long-running local cloud.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

# What the templates and Lambda bundles are made from.
_INPUTS = (
    "src/stratus/infra",
    "src/stratus/runtime",
    "src/stratus/todo",
    "src/stratus/probes",
    "requirements",
    "cdk.json",
)


class SynthError(RuntimeError):
    pass


def _fingerprint(project_root: Path, context: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(context, sort_keys=True).encode())
    for name in _INPUTS:
        base = project_root / name
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in paths:
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(project_root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def synthesize(
    project_root: Path, outdir: Path, context: dict[str, str], *, force: bool = False
) -> bool:
    """Write the cloud assembly to `outdir`. Returns False when the cached one was reused."""
    stamp = outdir / ".stratus-fingerprint"
    fingerprint = _fingerprint(project_root, context)
    if (
        not force
        and stamp.exists()
        and stamp.read_text() == fingerprint
        and (outdir / "manifest.json").exists()
    ):
        return False
    args = [sys.executable, "-m", "stratus.infra.app", "--outdir", str(outdir)]
    for key, value in context.items():
        args += [f"--{key}", value]
    env = dict(os.environ)
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    proc = subprocess.run(args, cwd=project_root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
        raise SynthError(f"CDK synthesis failed (exit {proc.returncode}):\n{tail}")
    stamp.write_text(fingerprint)
    return True
