"""Lambda entry point for the catalog API. Dependencies are built on the first request."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from stratus.runtime.tracing import traced
from stratus.shop.catalog.api import build_app
from stratus.shop.catalog.config import CatalogConfig
from stratus.shop.catalog.wiring import production_dependencies

logger = Logger(service="shop-catalog")
_app: APIGatewayRestResolver | None = None


def app() -> APIGatewayRestResolver:
    global _app
    if _app is None:
        _app = build_app(production_dependencies(CatalogConfig.from_env(), logger))
    return _app


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().resolve(event, context)
