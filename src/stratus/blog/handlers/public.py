"""Lambda entry point for the public API (posts, comments, subscriptions)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from stratus.blog.api import build_public_app
from stratus.blog.config import BlogConfig
from stratus.blog.wiring import production_dependencies
from stratus.runtime.tracing import traced

logger = Logger(service="blog-api")
_app: APIGatewayRestResolver | None = None


def app() -> APIGatewayRestResolver:
    global _app
    if _app is None:
        _app = build_public_app(production_dependencies(BlogConfig.from_env(), logger))
    return _app


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().resolve(event, context)
