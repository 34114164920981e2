"""Lambda entry point for orders' queue on the PaymentResults topic.

Partial batch responses: only the messages that failed go back to the queue (and, after
its maxReceiveCount, to the DLQ). AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
"""

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
from stratus.shop.orders.results import PaymentResults
from stratus.shop.orders.wiring import Wiring

logger = Logger(service="shop-orders-payments")
# Failures are always reported per record, even when all fail (the same retry for Lambda).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@functools.cache
def results() -> PaymentResults:
    return Wiring(OrdersConfig.from_env(), logger).payment_results


def record_handler(record: SQSRecord) -> None:
    results().apply(record.body)


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
