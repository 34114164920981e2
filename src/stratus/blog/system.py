"""The blog system's manifest: its stack, Lambda bundle and the authors' web app.

Read by the project (`stratus.systems`) when building the CDK app or serving it locally;
never shipped in a Lambda bundle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stratus.infra.shared.bundling import BundleSpec
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.project import Outputs, WebApp, find_output
from stratus.systems import System

if TYPE_CHECKING:
    from aws_cdk import App

    from stratus.infra.shared.stage import StageConfig

NAME = "blog"
BUNDLE = BundleSpec(
    name=NAME, packages=("runtime", "blog"), requirements="requirements/lambda-blog.txt"
)
# The photo function's bundle: our sources and Pillow (its wheel has libjpeg-turbo, libwebp
# and libavif inside); OpenCV is never bundled (only the local cloud's Rekognition runs it).
PHOTO_BUNDLE = BundleSpec(
    name="blog-photos",
    packages=("runtime", "blog"),
    requirements="requirements/lambda-blog-photos.txt",
)


AUTHOR_WEB_DIR = "web/blog-author"
API_URL_OUTPUT = "BlogApiUrl"


def client_config(outputs: Outputs, settings: LocalSettings) -> dict[str, Any]:
    """The author page's config.json, from the outputs a deployed page would read.

    `siteUrl` is the CloudFront site (`SiteUrl`) once the stack has one; `uploadBucket` is
    the photo upload bucket (`PhotoUploadBucketName`) once the photo pipeline is deployed.
    """
    found = find_output(outputs, API_URL_OUTPUT)
    if found is None:
        return {}
    stack = outputs[found[0]]
    return {
        "apiUrl": str(stack[API_URL_OUTPUT]).rstrip("/") + "/",
        "region": stack.get("BlogRegion", settings.region),
        "userPoolId": stack.get("BlogUserPoolId"),
        "clientId": stack.get("BlogUserPoolClientId"),
        "cognitoEndpoint": settings.aws_tls_endpoint if settings.lan else settings.aws_endpoint,
        "siteUrl": stack.get("SiteUrl"),
        "uploadBucket": stack.get("PhotoUploadBucketName"),
    }


def web_apps(outputs: Outputs, settings: LocalSettings) -> list[WebApp]:
    return [
        WebApp(
            path="/apps/blog-author",
            directory=settings.project_root / AUTHOR_WEB_DIR,
            title="MyBlog author page",
            config=client_config,
        )
    ]


def build(app: App, cfg: StageConfig, named: bool) -> None:
    from stratus.infra.blog.stack import BlogStack
    from stratus.infra.blog.stage import BLOG_KEYS, blog_stage_config
    from stratus.infra.shared.bundling import PROJECT_ROOT, build_bundle
    from stratus.infra.shared.stage import STAGE_KEYS

    view = {key: app.node.try_get_context(key) for key in (*STAGE_KEYS, *BLOG_KEYS)}
    BlogStack(
        app,
        cfg=blog_stage_config(view, base=cfg),
        code_path=build_bundle(PROJECT_ROOT, BUNDLE),
        photo_code_path=build_bundle(PROJECT_ROOT, PHOTO_BUNDLE),
    )


def documents(outputs: Outputs) -> dict[str, dict[str, Any]]:
    """The committed OpenAPI document (`make blog-openapi`), with the local server URL."""
    from stratus.blog.openapi import committed

    doc = committed()
    found = find_output(outputs, API_URL_OUTPUT)
    if found is not None:
        doc["servers"] = [{"url": str(found[1]).rstrip("/"), "description": "local cloud"}]
    return {NAME: doc}


SYSTEM = System(
    name=NAME,
    title="MyBlog.com: static site, publishing, comments, subscriptions",
    build=build,
    packages=("blog",),
    infra="blog",
    bundles=(BUNDLE, PHOTO_BUNDLE),
    web_apps=web_apps,
    documents=documents,
)
