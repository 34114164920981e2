"""Per-product counters in DynamoDB, each stream record counted at most once.

Two tables, key `pk`: the counters table holds only `PRODUCT#<id>` items (so the daily export
scans products, not history); the ledger holds `ORDER#<id>` (an order's products, for a later
failed payment) and `RECORD#<eventID>` (a record already counted). A record's deltas and its
marker are written in one `TransactWriteItems` (transactions span tables) whose marker put is
conditional on `attribute_not_exists(pk)`: a retried batch (Lambda retries a stream batch
from the lowest failed record, and bisecting resends records) finds the marker and adds
nothing, and a failure half-way adds nothing either, since a transaction is all or nothing
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html).
`eventID` (`shardId-...:sequenceNumber`) is unique in the stream. Ledger items expire by TTL
after `KEEP_SECONDS`, longer than the stream keeps a record (24 h in the stack), so no
redelivery can outlive its marker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from stratus.shop.analytics.domain import Delta, OrderLines

TTL_ATTRIBUTE = "expiresAt"
KEEP_SECONDS = 7 * 24 * 3600
# TransactWriteItems takes at most 100 actions (one is the marker, one the order item).
MAX_PRODUCTS_PER_RECORD = 98


def _counts(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "productId": item["productId"],
        "orders": int(item.get("orders", 0)),
        "units": int(item.get("units", 0)),
        "revenue": format(Decimal(str(item.get("revenue", 0))), "f"),
        "paymentsFailed": int(item.get("paymentsFailed", 0)),
        "pageViews": int(item.get("pageViews", 0)),
    }


def _number(value: int | Decimal) -> str:
    """DynamoDB's N as text: ints as digits, decimals without an exponent."""
    return format(value, "f") if isinstance(value, Decimal) else str(int(value))


class CounterStore:
    """The counters table through the low-level client (DynamoDB JSON)."""

    def __init__(
        self, client: Any, table_name: str, ledger_name: str, clock: Any = time.time
    ) -> None:
        self._client = client
        self._table = table_name
        self._ledger = ledger_name
        self._clock = clock

    def apply(
        self, record_id: str, deltas: tuple[Delta, ...], lines: OrderLines | None = None
    ) -> bool:
        """Add `deltas` (and keep `lines`) once for `record_id`; False if already counted."""
        if len(deltas) > MAX_PRODUCTS_PER_RECORD:
            raise ValueError(f"{len(deltas)} products in one record: more than one transaction")
        expires = {"N": str(int(self._clock()) + KEEP_SECONDS)}
        actions: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._ledger,
                    "Item": {"pk": {"S": f"RECORD#{record_id}"}, TTL_ATTRIBUTE: expires},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        if lines is not None:
            actions.append(
                {
                    "Put": {
                        "TableName": self._ledger,
                        "Item": {
                            "pk": {"S": f"ORDER#{lines.order_id}"},
                            "productIds": {"L": [{"S": p} for p in lines.product_ids]},
                            TTL_ATTRIBUTE: expires,
                        },
                    }
                }
            )
        actions.extend(self._update(delta) for delta in deltas)
        try:
            self._client.transact_write_items(TransactItems=actions)
        except self._client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def order_lines(self, order_id: str) -> OrderLines | None:
        item = self._client.get_item(
            TableName=self._ledger, Key={"pk": {"S": f"ORDER#{order_id}"}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return OrderLines(order_id, tuple(v["S"] for v in item["productIds"]["L"]))

    def products(self) -> Iterator[dict[str, Any]]:
        """Every product's counters (plain values, revenue a decimal string)."""
        from boto3.dynamodb.types import TypeDeserializer

        de = TypeDeserializer()
        for page in self._client.get_paginator("scan").paginate(
            TableName=self._table,
            ConsistentRead=True,
        ):
            for raw in page.get("Items", []):
                yield _counts({k: de.deserialize(v) for k, v in raw.items()})

    def _update(self, delta: Delta) -> dict[str, Any]:
        adds: dict[str, int | Decimal] = {
            "orders": delta.orders,
            "units": delta.units,
            "revenue": delta.revenue,
            "paymentsFailed": delta.payments_failed,
            "pageViews": delta.page_views,
        }
        used = {name: value for name, value in adds.items() if value}
        names = {f"#{name}": name for name in used}
        values = {f":{name}": {"N": _number(value)} for name, value in used.items()}
        expression = "SET productId = :pid"
        if used:
            expression += " ADD " + ", ".join(f"#{n} :{n}" for n in used)
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"pk": {"S": f"PRODUCT#{delta.product_id}"}},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": {":pid": {"S": delta.product_id}, **values},
        }
        if names:
            update["ExpressionAttributeNames"] = names
        return {"Update": update}
