"""One SQS batch answered with partial failures, for the shop's idempotent consumers.

Powertools' `BatchProcessor` fails only the records whose handler raised (the
`ReportBatchItemFailures` answer), and a batch where every record failed is answered, not
raised. The Lambda context is registered with the idempotency config first, so a record
left in progress by a timed-out invocation expires with it and its retry is not refused
as "already in progress" until the record's TTL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig


def answer_sqs_batch(
    event: dict[str, Any],
    context: Any,
    handle_body: Callable[[str], Any],
    idempotency: IdempotencyConfig,
) -> dict[str, Any]:
    """The Lambda answer for one SQS batch: `{"batchItemFailures": [...]}`."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        idempotency.register_lambda_context(context)
    processor = BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False)
    answer = process_partial_response(
        event, lambda record: handle_body(record.body), processor, context
    )
    return dict(answer)
