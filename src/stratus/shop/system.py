"""The shop system's manifest: its stacks (platform first, then one per service) and bundle.

Read by the project (`stratus.systems`) when building the CDK app or serving it locally;
never shipped in a Lambda bundle.

A service joins the shop by adding its name to `SERVICES` (in build order: a service built
later may take an earlier one's stack from `ctx.stacks`) and giving its stack module
`stratus.infra.shop.<name>` a `build(ctx: ShopBuild) -> Stack`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from stratus.infra.shared.bundling import BundleSpec
from stratus.systems import System

if TYPE_CHECKING:
    from aws_cdk import App

    from stratus.infra.shared.stage import StageConfig

NAME = "shop"
CATALOG_SDK = "sdk/stratus_catalog_client"
# One bundle for every shop function: our sources, their pinned wheels, and the catalog's
# generated client (services read prices through it, signed with its SigV4 hook).
BUNDLE = BundleSpec(
    name=NAME,
    packages=("runtime", "shop"),
    requirements="requirements/lambda-shop.txt",
    extra_packages=(CATALOG_SDK,),
)
# Build order: catalog first (orders reads its prices), payments before orders and
# notifications (they subscribe to its topic).
SERVICES: tuple[str, ...] = (
    "catalog",
    "payments",
    "inventory",
    "notifications",
    "orders",
    "analytics",
)


def build(app: App, cfg: StageConfig, named: bool) -> None:
    from stratus.infra.shared.bundling import PROJECT_ROOT, build_bundle
    from stratus.infra.shared.stage import STAGE_KEYS
    from stratus.infra.shop.platform import ShopBuild, ShopPlatformStack
    from stratus.infra.shop.stage import SHOP_KEYS, shop_stage_config

    view = {key: app.node.try_get_context(key) for key in (*STAGE_KEYS, *SHOP_KEYS)}
    shop_cfg = shop_stage_config(view, base=cfg)
    platform = ShopPlatformStack(app, cfg=shop_cfg)
    ctx = ShopBuild(app, shop_cfg, build_bundle(PROJECT_ROOT, BUNDLE), platform)
    for service in SERVICES:
        module = importlib.import_module(f"stratus.infra.shop.{service}")
        ctx.stacks[service] = module.build(ctx)


SYSTEM = System(
    name=NAME,
    title="The shop: microservices (catalog, orders, payments, notifications, analytics)",
    build=build,
    packages=("shop",),
    infra="shop",
    bundles=(BUNDLE,),
    extra_inputs=(CATALOG_SDK,),
)
