"""`POST /events/page-views` (API Gateway proxy) -> the clickstream."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from stratus.runtime.tracing import traced
from stratus.shop.analytics import wiring
from stratus.shop.analytics.api import build_page_view_app
from stratus.shop.analytics.config import AnalyticsConfig
from stratus.shop.analytics.stream import KinesisWriter

logger = Logger(service="shop-analytics-page-views")


@functools.cache
def _writer() -> KinesisWriter:
    return wiring.writer(AnalyticsConfig.from_env())


@functools.cache
def app() -> APIGatewayRestResolver:
    return build_page_view_app(_writer, logger)


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().resolve(event, context)
