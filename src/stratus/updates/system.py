"""The updates system's manifest: its stack and the application package its instances run.

Read by the project (`stratus.systems`) when building the CDK app or serving it locally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stratus.infra.shared.bundling import BundleSpec
from stratus.systems import System

if TYPE_CHECKING:
    from aws_cdk import App

    from stratus.infra.shared.stage import StageConfig

NAME = "updates"
# What the instances download: the update server's package and nothing else (stdlib only).
APP = BundleSpec(name="updates-app", packages=("updates",))


def build(app: App, cfg: StageConfig, named: bool) -> None:
    from stratus.infra.shared.bundling import PROJECT_ROOT, build_bundle
    from stratus.infra.updates.stack import UpdatesStack

    UpdatesStack(app, cfg=cfg, app_code=build_bundle(PROJECT_ROOT, APP))


SYSTEM = System(
    name=NAME,
    title="Software updates: an EC2 update server behind an ALB, CloudFront in front",
    build=build,
    packages=("updates",),
    infra="updates",
)
