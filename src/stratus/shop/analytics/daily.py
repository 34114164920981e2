"""The daily counters table: one item per product per UTC day, and reading one day back.

Key: partition `pk` = `DAY#<yyyy-mm-dd>#<shard>`, sort key `productId`. One day's products
are spread over `DAY_SHARDS` partitions by a stable hash of the product id (write sharding:
every record of a day would otherwise update one partition, and a partition takes at most
1,000 writes a second,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-sharding.html).
Reading a day is one Query per shard, never a Scan of history.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

DAY_SHARDS = 8
SORT_KEY = "productId"


def shard_of(product_id: str) -> int:
    """Stable across processes (Python's own str hash is salted per process)."""
    return zlib.crc32(product_id.encode()) % DAY_SHARDS


def day_partition(day: str, shard: int) -> str:
    return f"DAY#{day}#{shard}"


def day_key(day: str, product_id: str) -> dict[str, Any]:
    """The item key (DynamoDB JSON) of one product's counters on one day."""
    return {
        "pk": {"S": day_partition(day, shard_of(product_id))},
        SORT_KEY: {"S": product_id},
    }


def counts(item: dict[str, Any]) -> dict[str, Any]:
    """A counters item as plain values (revenue a decimal string); absent counters are 0."""
    return {
        "productId": item["productId"],
        "orders": int(item.get("orders", 0)),
        "units": int(item.get("units", 0)),
        "revenue": format(Decimal(str(item.get("revenue", 0))), "f"),
        "paymentsFailed": int(item.get("paymentsFailed", 0)),
        "pageViews": int(item.get("pageViews", 0)),
    }


class DailyCounters:
    """Reads one day's per-product counters (the export's only source)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def products(self, day: str) -> list[dict[str, Any]]:
        """Every product counted on `day`, ordered by product id."""
        return sorted(self._items(day), key=lambda p: str(p["productId"]))

    def _items(self, day: str) -> Iterator[dict[str, Any]]:
        from boto3.dynamodb.types import TypeDeserializer

        de = TypeDeserializer()
        paginator = self._client.get_paginator("query")
        for shard in range(DAY_SHARDS):
            for page in paginator.paginate(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": day_partition(day, shard)}},
                ConsistentRead=True,
            ):
                for raw in page.get("Items", []):
                    yield counts({k: de.deserialize(v) for k, v in raw.items()})
