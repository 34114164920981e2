"""Writing to the clickstream (Kinesis `PutRecord`) and forwarding failed payments to it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from stratus.shop.analytics.domain import BadRecordError, payment_failed_record


class KinesisWriter:
    def __init__(self, client: Any, stream_name: str) -> None:
        self._client = client
        self._stream = stream_name

    def put(self, record: dict[str, Any], partition_key: str) -> str:
        answer = self._client.put_record(
            StreamName=self._stream,
            Data=json.dumps(record, separators=(",", ":")).encode(),
            PartitionKey=partition_key,
        )
        return str(answer["SequenceNumber"])


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def forward_payment_results(
    event: dict[str, Any], writer: KinesisWriter, now: Callable[[], str] = _now
) -> int:
    """An SNS event from `PaymentResults` (subscription filtered to `PaymentFailed`) -> one
    stream record per failed payment, keyed by order id (the same shard as its
    `OrderPlaced`, so it is counted after it). Returns how many were forwarded."""
    forwarded = 0
    for record in event.get("Records") or []:
        try:
            message = json.loads(record["Sns"]["Message"])
        except (KeyError, TypeError, json.JSONDecodeError):
            raise BadRecordError("SNS record without a JSON message") from None
        if not isinstance(message, dict) or message.get("outcome") != "failed":
            continue  # the filter policy should keep these away; never counted
        out = payment_failed_record(message, now())
        writer.put(out, out["orderId"])
        forwarded += 1
    return forwarded
