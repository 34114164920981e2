"""The outbox: `OrderPlaced` events built from the orders table's stream. Pure: no I/O.

The API writes only the order item; the table's stream (NEW_IMAGE) carries every committed
write to the outbox function, which turns each *inserted* order into one EventBridge entry.
So an event exists exactly when an order was stored: a failed write leaves no stream record
(no event invented), and a stored order always yields one (none lost: the stream retries
until the put succeeds). Status changes (MODIFY) and removals publish nothing here.

Delivery is at least once (a retried batch can put an event twice); consumers dedupe on
`orderId`. Event shape (detail keys are camelCase, like AWS's own events):
`{"orderId", "customerId", "email", "total", "items": [{"productId", "quantity",
"unitPrice", "lineTotal"}], "placedAt"}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

SOURCE = "stratus.shop.orders"
ORDER_PLACED = "OrderPlaced"
_de = TypeDeserializer()


class MalformedOrderRecordError(ValueError):
    """A stream image that is not an order item of ours (reported as a batch failure)."""


def plain_image(image: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB-JSON image (`{"total": {"S": "1.00"}}`) as plain Python values."""
    return {key: _de.deserialize(value) for key, value in image.items()}


def order_placed_detail(item: Mapping[str, Any]) -> dict[str, Any]:
    """The `OrderPlaced` detail from a stored order item (plain values)."""
    try:
        return {
            "orderId": str(item["id"]),
            "customerId": str(item["customer_id"]),
            "email": str(item.get("email") or ""),
            "total": str(item["total"]),
            "items": [
                {
                    "productId": str(line["product_id"]),
                    "quantity": int(line["quantity"]),
                    "unitPrice": str(line["unit_price"]),
                    "lineTotal": str(line["line_total"]),
                }
                for line in item["items"]
            ],
            "placedAt": str(item["created_at"]),
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedOrderRecordError(f"not an order item: {exc!r}") from None


def outbox_entry(record: Mapping[str, Any], bus_name: str) -> dict[str, Any] | None:
    """The PutEvents entry a DynamoDB stream record calls for, or None (not an insert)."""
    if record.get("eventName") != "INSERT":
        return None
    image = (record.get("dynamodb") or {}).get("NewImage")
    if not isinstance(image, Mapping):
        raise MalformedOrderRecordError("INSERT record without NewImage (stream view type?)")
    detail = order_placed_detail(plain_image(image))
    return {
        "Source": SOURCE,
        "DetailType": ORDER_PLACED,
        "Detail": json.dumps(detail, separators=(",", ":")),
        "EventBusName": bus_name,
        "Resources": [],
    }
