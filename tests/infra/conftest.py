"""Synthesize the CDK app once per test session, for the dev and prod stages.

The jsii kernel (one node process per Python process) reads its environment when aws_cdk is
first imported, so the variables are set before that import. CDK_VALIDATION=false keeps the
CDK's built-in CloudFormation schema check off (build_app's default too; cfn-lint runs here
instead). cdk-nag is a separate policy-validation plugin and runs regardless (measured), so
every synth here is also a nag check: an unacknowledged finding makes `synth()` raise.
Do not run these tests under xdist (one jsii process per worker).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("CDK_VALIDATION", "false")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

STAGES = ("dev", "prod")
# Extra context per stage: dev also synthesizes the diagnostic probes stack (so nag and
# cfn-lint check it in the same synth); prod keeps the default (no probes).
EXTRA_CONTEXT: dict[str, dict[str, str]] = {"dev": {"probes": "true"}}


@dataclass(frozen=True)
class Synth:
    stage: str
    outdir: Path
    template_path: Path
    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]  # type: ignore[no-any-return]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r["Type"] == kind}

    def one(self, kind: str) -> dict[str, Any]:
        found = list(self.of_type(kind).values())
        assert len(found) == 1, f"expected one {kind}, found {len(found)}"
        return found[0]


@pytest.fixture(scope="session")
def synths(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Synth]]:
    from stratus.infra.app import build_app
    from stratus.infra.todo.stack import todo_stack_name

    result: dict[str, Synth] = {}
    for stage in STAGES:
        outdir = tmp_path_factory.mktemp(f"cdk-{stage}")
        context = {"stage": stage, **EXTRA_CONTEXT.get(stage, {})}
        build_app(context=context, outdir=str(outdir)).synth()
        path = outdir / f"{todo_stack_name(stage)}.template.json"
        result[stage] = Synth(stage, outdir, path, json.loads(path.read_text()))
    yield result


@pytest.fixture(scope="session")
def dev(synths: dict[str, Synth]) -> Synth:
    return synths["dev"]


@pytest.fixture(scope="session")
def prod(synths: dict[str, Synth]) -> Synth:
    return synths["prod"]
