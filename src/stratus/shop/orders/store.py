"""OrderStore: a customer's orders in DynamoDB, one partition per customer.

Layout: pk=<customer sub>, sk=`order#<ULID>` (ULIDs sort by time, so a descending Query is
"newest first"). One order is one item, written once with `attribute_not_exists(pk)`, so the
table's stream sees exactly one INSERT per order (the outbox, see events.py).

Status changes are conditional updates on the status read just before
(`#status = :from`): two consumers racing on one order cannot both move it, and the loser
re-reads and finds its move already made (a no-op) or refused. Reads by another customer
look in their own partition and find nothing: 404, never 403, so ids do not leak.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from stratus.runtime.errors import NotFoundError
from stratus.shop.orders.domain import (
    Clock,
    Move,
    Order,
    OrderLine,
    OrderStatus,
    is_order_id,
    iso,
    money,
    plan_transition,
)

ORDER_PREFIX = "order#"
MAX_RACES = 3
_ser = TypeSerializer()
_de = TypeDeserializer()
_FIELDS = ("id", "status", "total", "items", "created_at", "updated_at")


def _condition_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _to_order(item: Mapping[str, Any]) -> Order:
    plain = {k: _de.deserialize(v) for k, v in item.items() if k in _FIELDS}
    for line in plain.get("items", []):
        line["quantity"] = int(line["quantity"])
    return Order.model_validate(plain)


class OrderStore:
    def __init__(
        self, client: Any, table_name: str, *, clock: Clock, new_id: Callable[[], str]
    ) -> None:
        self._db = client
        self._table = table_name
        self._clock = clock
        self._new_id = new_id

    @staticmethod
    def _key(customer_id: str, order_id: str) -> dict[str, Any]:
        return {"pk": {"S": customer_id}, "sk": {"S": ORDER_PREFIX + order_id}}

    def place(
        self, customer_id: str, email: str | None, lines: list[OrderLine], total: Decimal
    ) -> Order:
        now = iso(self._clock())
        order = Order(
            id=self._new_id(),
            status=OrderStatus.PLACED,
            total=money(total),
            items=lines,
            created_at=now,
            updated_at=now,
        )
        attributes: dict[str, Any] = {**order.model_dump(mode="json"), "customer_id": customer_id}
        if email:
            attributes["email"] = email
        item = {k: _ser.serialize(v) for k, v in attributes.items()}
        self._db.put_item(
            TableName=self._table,
            Item={**self._key(customer_id, order.id), **item},
            ConditionExpression="attribute_not_exists(pk)",
        )
        return order

    def get(self, customer_id: str, order_id: str, *, consistent: bool = False) -> Order:
        if not is_order_id(order_id):
            raise NotFoundError("order not found")
        item = self._db.get_item(
            TableName=self._table,
            Key=self._key(customer_id, order_id),
            ConsistentRead=consistent,
        ).get("Item")
        if not item:
            raise NotFoundError("order not found")
        return _to_order(item)

    def list(
        self, customer_id: str, *, limit: int, after: str | None = None
    ) -> tuple[list[Order], str | None]:
        """Newest first. `after` is the id of the last order already returned; the second
        value is the id to continue after, or None when there is nothing more."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": customer_id},
                ":prefix": {"S": ORDER_PREFIX},
            },
            "ScanIndexForward": False,
            "Limit": limit + 1,  # one extra tells whether a next page exists
        }
        if after is not None:
            request["ExclusiveStartKey"] = self._key(customer_id, after)
        items = self._db.query(**request).get("Items", [])
        page = [_to_order(item) for item in items[:limit]]
        more = len(items) > limit
        return page, (page[-1].id if more and page else None)

    def transition(
        self, customer_id: str, order_id: str, target: OrderStatus
    ) -> tuple[Order, Move]:
        """Move the order to `target` if the status machine allows; idempotent.

        Returns the order as it now is and what happened (APPLY, ALREADY or REFUSED)."""
        for _ in range(MAX_RACES):
            order = self.get(customer_id, order_id, consistent=True)
            move = plan_transition(order.status, target)
            if move is not Move.APPLY:
                return order, move
            try:
                result = self._db.update_item(
                    TableName=self._table,
                    Key=self._key(customer_id, order_id),
                    UpdateExpression="SET #status = :to, updated_at = :now",
                    ConditionExpression="#status = :from",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":to": {"S": target.value},
                        ":from": {"S": order.status.value},
                        ":now": {"S": iso(self._clock())},
                    },
                    ReturnValues="ALL_NEW",
                )
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise
                continue  # someone moved it meanwhile: re-read and plan again
            return _to_order(result["Attributes"]), Move.APPLY
        raise RuntimeError(f"order {order_id} kept changing during {MAX_RACES} attempts")
