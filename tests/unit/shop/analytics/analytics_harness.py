"""Event builders for the analytics tests: bus events as the stream carries them and Kinesis
batches as Lambda delivers them."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from stratus.shop.analytics.consumer import Consumer
from stratus.shop.analytics.counters import CounterStore
from stratus.shop.analytics.daily import DailyCounters

REGION = "us-east-1"
STREAM = "clickstream"
TABLE = "analytics-counters"
LEDGER = "analytics-ledger"
DAILY = "analytics-daily"
DAY = "2026-11-30"
BUCKET = "analytics-exports"


@dataclass
class Cloud:
    dynamodb: Any
    kinesis: Any
    s3: Any
    counters: CounterStore
    consumer: Consumer
    daily: DailyCounters

    def products(self) -> dict[str, dict[str, Any]]:
        """All-time counters by product."""
        return {p["productId"]: p for p in self.counters.products()}

    def on(self, day: str) -> dict[str, dict[str, Any]]:
        """One day's counters by product."""
        return {p["productId"]: p for p in self.daily.products(day)}


def view(product: str, at: str = f"{DAY}T10:00:00Z", **extra: Any) -> dict[str, Any]:
    """A page-view record as the route writes it."""
    return {"type": "PageView", "productId": product, "at": at, **extra}


def order_placed(
    order_id: str, *lines: tuple[str, int, str], placed: str = f"{DAY}T10:00:00Z"
) -> dict[str, Any]:
    """The event the bus rule writes to the stream (orders' outbox detail)."""
    return {
        "version": "0",
        "id": f"evt-{order_id}",
        "detail-type": "OrderPlaced",
        "source": "stratus.shop.orders",
        "account": "123456789012",
        "time": "2026-11-30T10:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "orderId": order_id,
            "customerId": "c-1",
            "email": "a@example.com",
            "total": "0",
            "items": [
                {"productId": p, "quantity": q, "unitPrice": "0", "lineTotal": t}
                for p, q, t in lines
            ],
            "placedAt": placed,
        },
    }


def kinesis_event(*bodies: Any, shard: str = "shardId-000000000000", first: int = 1) -> dict:
    """A Kinesis batch as Lambda delivers it; a `bytes` body is sent as is."""
    records = []
    for offset, body in enumerate(bodies):
        sequence = str(49_000_000 + first + offset)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        records.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "k",
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(data).decode(),
                    "approximateArrivalTimestamp": 1_764_496_800.0,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard}:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/consumer",
                "awsRegion": REGION,
                "eventSourceARN": f"arn:aws:kinesis:{REGION}:123456789012:stream/{STREAM}",
            }
        )
    return {"Records": records}
