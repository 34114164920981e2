"""The diagnostic probes' manifest: functions that fail on purpose, for failure-path tests.

Off by default: built with context `probes=true` or when named (`--system probes`), and
refused for prod. Stdlib only, so its bundle has no requirements file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stratus.infra.shared.bundling import BundleSpec
from stratus.systems import System

if TYPE_CHECKING:
    from aws_cdk import App

    from stratus.infra.shared.stage import StageConfig

NAME = "probes"
BUNDLE = BundleSpec(name=NAME, packages=("probes",))


def build(app: App, cfg: StageConfig, named: bool) -> None:
    from stratus.infra.probes.stack import CONTEXT_KEY, ProbesStack, probes_enabled
    from stratus.infra.shared.bundling import PROJECT_ROOT, build_bundle

    # Named explicitly counts as asking for it; prod still refuses it.
    wanted = "true" if named else app.node.try_get_context(CONTEXT_KEY)
    if probes_enabled(wanted, cfg):
        ProbesStack(app, cfg=cfg, code_path=build_bundle(PROJECT_ROOT, BUNDLE))


SYSTEM = System(
    name=NAME,
    title="diagnostic failure probes",
    build=build,
    packages=("probes",),
    infra="probes",
    bundles=(BUNDLE,),
)
