"""Kinesis batch of clickstream records -> counters; partial batch response."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger

from stratus.runtime.tracing import traced
from stratus.shop.analytics import wiring
from stratus.shop.analytics.config import AnalyticsConfig
from stratus.shop.analytics.consumer import Consumer

logger = Logger(service="shop-analytics")


@functools.cache
def _consumer() -> Consumer:
    return wiring.consumer(AnalyticsConfig.from_env(), logger)


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _consumer().handle_batch(event, context)
