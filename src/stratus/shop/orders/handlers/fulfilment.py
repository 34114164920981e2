"""Lambda entry point for the fulfilment stand-in's queue: a delayed message ships a PAID
order (see results.py). Partial batch responses, as the payments consumer."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from stratus.runtime.tracing import traced
from stratus.shop.orders.config import OrdersConfig
from stratus.shop.orders.results import Shipments
from stratus.shop.orders.wiring import Wiring

logger = Logger(service="shop-orders-fulfilment")
# Failures are always reported per record, even when all fail (the same retry for Lambda).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@functools.cache
def shipments() -> Shipments:
    return Wiring(OrdersConfig.from_env(), logger).shipments


def record_handler(record: SQSRecord) -> None:
    shipments().ship(record.body)


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
