"""The clickstream consumer: one Kinesis batch, in shard order, into the counters.

Partial batch responses (Powertools `BatchProcessor`, the mapping has
`ReportBatchItemFailures`): a bad record is named in `batchItemFailures`; Lambda retries from
the lowest one named, and after `MaximumRetryAttempts` sends the batch info to the on-failure
destination and moves the shard on
(https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html).
Records after a bad one are still counted in the same call; their retry adds nothing, since
each fact is counted once per claim (see counters.py). A record's day is its fact's own time,
else its `approximateArrivalTimestamp`.
"""

from __future__ import annotations

from typing import Any, Protocol

from stratus.shop.analytics.domain import (
    Delta,
    OrderLines,
    Placed,
    Viewed,
    failed_payment_deltas,
    parse,
)


class Counters(Protocol):
    def apply(
        self,
        record_id: str,
        claim: str,
        day: str,
        deltas: tuple[Delta, ...],
        lines: OrderLines | None = None,
    ) -> bool: ...

    def order_lines(self, order_id: str) -> OrderLines | None: ...


class Consumer:
    def __init__(self, counters: Counters, logger: Any = None) -> None:
        self._counters = counters
        self._logger = logger

    def count(self, record_id: str, data: bytes, arrived: float | None = None) -> bool:
        """Count one record; False if its fact was counted before. Raises BadRecordError."""
        fact = parse(data, arrived)
        if isinstance(fact, Placed):
            return self._counters.apply(record_id, fact.claim, fact.day, fact.deltas, fact.lines)
        if isinstance(fact, Viewed):
            return self._counters.apply(record_id, fact.claim(record_id), fact.day, (fact.delta,))
        lines = self._counters.order_lines(fact.order_id)
        if lines is None:
            # An order placed before analytics existed (or whose event expired): nothing to
            # attribute the failure to. Claimed all the same, so a retry does not look again.
            self._log("warning", "failed payment of an unknown order", {"orderId": fact.order_id})
            return self._counters.apply(record_id, fact.claim, fact.day, ())
        return self._counters.apply(record_id, fact.claim, fact.day, failed_payment_deltas(lines))

    def handle_batch(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The Lambda answer for one Kinesis batch: `{"batchItemFailures": [...]}`."""
        from aws_lambda_powertools.utilities.batch import (
            BatchProcessor,
            EventType,
            process_partial_response,
        )

        def one(record: Any) -> None:
            try:
                self.count(
                    str(record.event_id),
                    record.kinesis.data_as_bytes(),
                    record.kinesis.approximate_arrival_timestamp,
                )
            except Exception as exc:
                self._log(
                    "warning",
                    "record not counted",
                    {"eventID": record.event_id, "error": f"{type(exc).__name__}: {exc}"},
                )
                raise

        processor = BatchProcessor(
            EventType.KinesisDataStreams, raise_on_entire_batch_failure=False
        )
        return dict(process_partial_response(event, one, processor, context))

    def _log(self, level: str, message: str, extra: dict[str, Any]) -> None:
        if self._logger is not None:
            getattr(self._logger, level)(message, extra=extra)
