"""Lambda entry point: SQS batch of `OrderPlaced` events -> partial batch response."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger

from stratus.runtime.tracing import traced
from stratus.shop.payments.config import PaymentsConfig
from stratus.shop.payments.processor import Payments
from stratus.shop.payments.wiring import production_payments

logger = Logger(service="shop-payments")


@functools.cache
def _payments() -> Payments:
    return production_payments(PaymentsConfig.from_env(), logger)


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _payments().handle_batch(event, context)
