"""The stage's synthesized templates: the model prices what the CDK app declares, nothing else.

Synthesis goes through the local cloud's `synthesize` (the CDK CLI's environment, the app in
a child process, the assembly reused while inputs are unchanged) into a directory of its own
per stage, so pricing never disturbs a running `stratus up`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.provision.assembly import read_assembly

SYSTEM_TAG = "stratus:system"  # the stack tag stratus.infra.app sets (read, not imported: no CDK)


@dataclass(frozen=True)
class StackTemplate:
    name: str
    template: dict[str, Any]
    system: str | None = None
    region: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        found = self.template.get("Resources")
        return found if isinstance(found, dict) else {}


def load_templates(cdk_out: Path) -> list[StackTemplate]:
    """Every stack of a cloud assembly (nested CDK Stages included), in dependency order."""
    assembly = read_assembly(cdk_out)
    return [
        StackTemplate(
            name=stack.stack_name,
            template=stack.template(),
            system=stack.tags.get(SYSTEM_TAG),
            region=stack.region,
            tags=dict(stack.tags),
        )
        for stack in assembly.stacks
    ]


def select_systems(stacks: Sequence[StackTemplate], names: Sequence[str]) -> list[StackTemplate]:
    """The stacks of the named systems (by the stack tag the app sets); all when none named."""
    if not names:
        return list(stacks)
    return [s for s in stacks if s.system in names]


def synthesize_stage(
    project_root: Path,
    stage: str,
    *,
    dax: bool | None = None,
    region: str = "us-east-1",
) -> Path:
    """Synthesize every system of `stage` (one cached assembly per stage and DAX choice; pick
    systems with `select_systems`); returns the cloud assembly directory."""
    from stratus.local.provision.project import load_project
    from stratus.local.provision.synth import synthesize

    project = load_project(project_root)
    context: dict[str, Any] = {"stage": stage}
    suffix = "" if dax is None else f"-dax-{str(dax).lower()}"
    if dax is not None:
        context["dax"] = "true" if dax else "false"
    outdir = project_root / ".stratus" / "cost" / f"{stage}{suffix}" / "cdk.out"
    synthesize(project, outdir, context, region=region)
    return outdir
