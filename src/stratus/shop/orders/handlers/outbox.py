"""Lambda entry point for the orders table's stream: each new order -> `OrderPlaced`.

Partial batch responses (`ReportBatchItemFailures`): a record whose put fails is reported
by sequence number, and Lambda retries the stream from the first failed record, so events
after it may be put again (at least once; consumers dedupe on orderId).
AWS: https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
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
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
)

from stratus.runtime.tracing import traced
from stratus.shop.orders.config import OrdersConfig
from stratus.shop.orders.outbox import Outbox
from stratus.shop.orders.wiring import Wiring

logger = Logger(service="shop-orders-outbox")
# Failures are always reported per record, even when all fail (the same retry for Lambda).
processor = BatchProcessor(
    event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
)


@functools.cache
def outbox() -> Outbox:
    wiring = Wiring(OrdersConfig.from_env(), logger)
    return Outbox(wiring.events, wiring.config.event_bus_name)


def record_handler(record: DynamoDBRecord) -> None:
    outbox().publish(record.raw_event)


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
