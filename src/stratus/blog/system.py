"""The blog system's manifest: its stack and Lambda bundle.

Read by the project (`stratus.systems`) when building the CDK app or serving it locally;
never shipped in a Lambda bundle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stratus.infra.shared.bundling import BundleSpec
from stratus.systems import System

if TYPE_CHECKING:
    from aws_cdk import App

    from stratus.infra.shared.stage import StageConfig

NAME = "blog"
BUNDLE = BundleSpec(
    name=NAME, packages=("runtime", "blog"), requirements="requirements/lambda-blog.txt"
)


def build(app: App, cfg: StageConfig, named: bool) -> None:
    from stratus.infra.blog.stack import BlogStack
    from stratus.infra.blog.stage import BLOG_KEYS, blog_stage_config
    from stratus.infra.shared.bundling import PROJECT_ROOT, build_bundle
    from stratus.infra.shared.stage import STAGE_KEYS

    view = {key: app.node.try_get_context(key) for key in (*STAGE_KEYS, *BLOG_KEYS)}
    BlogStack(
        app, cfg=blog_stage_config(view, base=cfg), code_path=build_bundle(PROJECT_ROOT, BUNDLE)
    )


SYSTEM = System(
    name=NAME,
    title="MyBlog.com: static site, publishing, comments, subscriptions",
    build=build,
    packages=("blog",),
    infra="blog",
    bundles=(BUNDLE,),
)
