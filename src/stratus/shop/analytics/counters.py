"""Per-product counters in DynamoDB, all-time and per UTC day, each fact counted once.

Three tables, key `pk`: the counters table holds only `PRODUCT#<id>` items (all-time
totals); the daily table one item per product per day (daily.py: what the export reads);
the ledger holds claims: `ORDER#<orderId>` (an order's products, for a later failed payment),
`FAILED#<orderId>`, `VIEW#<client eventId>` and `RECORD#<eventID>` (a view without one).

A fact's deltas and its claim are written in one `TransactWriteItems` (transactions span
tables; all or nothing,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html) whose
claim put is conditional on `attribute_not_exists(pk)`. So a retried batch (Lambda retries a
stream batch from the lowest failed record, and bisecting resends records), a producer's
duplicate (EventBridge and SNS deliver at least once, so the same `OrderPlaced` or failed
payment can reach the stream twice as two records) and a client's retried page view all add
nothing. The claim item keeps the `eventID` that made it: finding its own id there, a record
knows it is a redelivery of itself, not a duplicate.

A transaction takes at most 100 actions
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html):
each product costs two (all-time and daily), so an order of more than 49 products is written
in parts, each with its own conditional marker `<claim>#PART#<n>`; a redelivery after a
failure between parts finds the parts already written and writes the rest. Ledger items
expire by TTL after `KEEP_SECONDS`, longer than the stream keeps a record (24 h in the
stack) and than EventBridge retries a delivery (24 h), so no redelivery outlives its claim.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from stratus.shop.analytics.daily import counts, day_key
from stratus.shop.analytics.domain import Delta, OrderLines, order_claim

TTL_ATTRIBUTE = "expiresAt"
KEEP_SECONDS = 7 * 24 * 3600
MAX_ACTIONS = 100
# One action is the claim (or part marker); each product takes two updates.
PRODUCTS_PER_TRANSACTION = (MAX_ACTIONS - 1) // 2


def _number(value: int | Decimal) -> str:
    """DynamoDB's N as text: ints as digits, decimals without an exponent."""
    return format(value, "f") if isinstance(value, Decimal) else str(int(value))


def _adds(delta: Delta) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The `ADD` clause, its names and its values for the counters a delta changes."""
    adds: dict[str, int | Decimal] = {
        "orders": delta.orders,
        "units": delta.units,
        "revenue": delta.revenue,
        "paymentsFailed": delta.payments_failed,
        "pageViews": delta.page_views,
    }
    used = {name: value for name, value in adds.items() if value}
    clause = (" ADD " + ", ".join(f"#{n} :{n}" for n in used)) if used else ""
    names = {f"#{name}": name for name in used}
    values = {f":{name}": {"N": _number(value)} for name, value in used.items()}
    return clause, names, values


class CounterStore:
    """The three tables through the low-level client (DynamoDB JSON)."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        ledger_name: str,
        daily_name: str,
        clock: Any = time.time,
    ) -> None:
        self._client = client
        self._table = table_name
        self._ledger = ledger_name
        self._daily = daily_name
        self._clock = clock

    def apply(
        self,
        record_id: str,
        claim: str,
        day: str,
        deltas: tuple[Delta, ...],
        lines: OrderLines | None = None,
    ) -> bool:
        """Add `deltas` on `day` (and keep `lines`) once per `claim`; False if nothing was
        left to add (counted before, by this record or another)."""
        step = PRODUCTS_PER_TRANSACTION
        parts = [deltas[i : i + step] for i in range(0, len(deltas), step)] or [()]
        counted = False
        for index, part in enumerate(parts):
            marker = claim if index == 0 else f"{claim}#PART#{index}"
            actions = [self._claim(marker, record_id, lines if index == 0 else None)]
            for delta in part:
                actions.extend(self._updates(delta, day))
            try:
                self._client.transact_write_items(TransactItems=actions)
            except self._client.exceptions.TransactionCanceledException as exc:
                reasons = exc.response.get("CancellationReasons") or []
                if not reasons or reasons[0].get("Code") != "ConditionalCheckFailed":
                    raise
                if index == 0 and not self._claimed_by(claim, record_id):
                    return False  # the same fact from another record: already counted
                continue  # this part was written by an earlier delivery of this record
            counted = True
        return counted

    def order_lines(self, order_id: str) -> OrderLines | None:
        item = self._client.get_item(
            TableName=self._ledger, Key={"pk": {"S": order_claim(order_id)}}, ConsistentRead=True
        ).get("Item")
        if item is None or "productIds" not in item:
            return None
        return OrderLines(order_id, tuple(v["S"] for v in item["productIds"]["L"]))

    def products(self) -> Iterator[dict[str, Any]]:
        """Every product's all-time counters (plain values, revenue a decimal string)."""
        from boto3.dynamodb.types import TypeDeserializer

        de = TypeDeserializer()
        for page in self._client.get_paginator("scan").paginate(
            TableName=self._table,
            ConsistentRead=True,
        ):
            for raw in page.get("Items", []):
                yield counts({k: de.deserialize(v) for k, v in raw.items()})

    def _claim(self, key: str, record_id: str, lines: OrderLines | None) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": {"S": key},
            "recordId": {"S": record_id},
            TTL_ATTRIBUTE: {"N": str(int(self._clock()) + KEEP_SECONDS)},
        }
        if lines is not None:
            item["productIds"] = {"L": [{"S": p} for p in lines.product_ids]}
        return {
            "Put": {
                "TableName": self._ledger,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _claimed_by(self, claim: str, record_id: str) -> bool:
        item = (
            self._client.get_item(
                TableName=self._ledger, Key={"pk": {"S": claim}}, ConsistentRead=True
            ).get("Item")
            or {}
        )
        return bool(item.get("recordId", {}).get("S") == record_id)

    def _updates(self, delta: Delta, day: str) -> list[dict[str, Any]]:
        """The product's all-time item and its item for `day`."""
        clause, names, values = _adds(delta)
        total: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"pk": {"S": f"PRODUCT#{delta.product_id}"}},
            "UpdateExpression": "SET productId = :pid" + clause,
            "ExpressionAttributeValues": {":pid": {"S": delta.product_id}, **values},
        }
        if names:
            total["ExpressionAttributeNames"] = names
        daily: dict[str, Any] = {
            "TableName": self._daily,
            "Key": day_key(day, delta.product_id),
            "UpdateExpression": "SET #day = :day" + clause,
            "ExpressionAttributeNames": {"#day": "day", **names},
            "ExpressionAttributeValues": {":day": {"S": day}, **values},
        }
        return [{"Update": total}, {"Update": daily}]
