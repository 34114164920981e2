"""`PaymentResults` (SNS, filtered to `PaymentFailed`) -> the clickstream."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger

from stratus.runtime.tracing import traced
from stratus.shop.analytics import wiring
from stratus.shop.analytics.config import AnalyticsConfig
from stratus.shop.analytics.stream import KinesisWriter, forward_payment_results

logger = Logger(service="shop-analytics-payments")


@functools.cache
def _writer() -> KinesisWriter:
    return wiring.writer(AnalyticsConfig.from_env())


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # A raise makes SNS's asynchronous invoke retry (twice), then the function's DLQ.
    return {"forwarded": forward_payment_results(event, _writer())}
