"""Hand-written cloud assemblies for provisioner tests (no CDK synth needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_assembly(
    directory: Path,
    stacks: dict[str, dict[str, Any]],
    *,
    envs: dict[str, str] | None = None,
    depends: dict[str, list[str]] | None = None,
) -> Path:
    """One template per stack ({name: template}); envs are `aws://account/region`."""
    directory.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for name, template in stacks.items():
        (directory / f"{name}.template.json").write_text(json.dumps(template))
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": (envs or {}).get(name, "aws://unknown-account/unknown-region"),
            "properties": {"templateFile": f"{name}.template.json"},
            "dependencies": (depends or {}).get(name, []),
        }
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    return directory
