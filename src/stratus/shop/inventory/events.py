"""The SQS bodies inventory's queue receives, turned into commands. Pure: no I/O.

Two sources feed one queue:
- the shop bus's rule for `OrderPlaced` (source `stratus.shop.orders`): the body is the whole
  EventBridge event (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html),
  its `detail` `{"orderId", "items": [{"productId", "quantity", ...}], ...}`
  (`stratus.shop.orders.events`);
- the `PaymentResults` topic, subscribed with raw message delivery and a filter on
  `eventType = PaymentFailed`: the body is payments' result `{"orderId", "outcome":
  "failed", ...}`; SNS's envelope (`{"Type": "Notification", "Message": ...}`) is accepted
  too (https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html).

Anything else is malformed: the worker leaves it, and the queue's redrive moves it to the DLQ.
A `PaymentSucceeded` that slips through is ignored (nothing to do), not an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.shop.inventory.domain import InventoryError, merge_lines, order_id

ORDERS_SOURCE = "stratus.shop.orders"
ORDER_PLACED = "OrderPlaced"
PAYMENT_FAILED = "PaymentFailed"


class MalformedMessageError(ValueError):
    """Not a message inventory understands; retrying cannot help."""


@dataclass(frozen=True)
class Reserve:
    order_id: str
    lines: dict[str, int]


@dataclass(frozen=True)
class Release:
    order_id: str


@dataclass(frozen=True)
class Ignore:
    why: str


Command = Reserve | Release | Ignore


def _object(text: Any, what: str) -> Mapping[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str | bytes) else None
    except ValueError:
        value = None
    if not isinstance(value, Mapping):
        raise MalformedMessageError(f"{what} is not a JSON object")
    return value


def _reserve(detail: Any) -> Reserve:
    if not isinstance(detail, Mapping):
        raise MalformedMessageError("the OrderPlaced event has no detail object")
    items = detail.get("items")
    if not isinstance(items, list):
        raise MalformedMessageError("OrderPlaced detail has no items list")
    try:
        pairs = []
        for item in items:
            if not isinstance(item, Mapping):
                raise InventoryError("an item is not an object")
            pairs.append((item.get("productId"), item.get("quantity")))
        return Reserve(order_id(detail.get("orderId")), merge_lines(pairs))
    except InventoryError as exc:
        raise MalformedMessageError(f"invalid OrderPlaced: {exc}") from None


def command(body: str) -> Command:
    """What one SQS body asks of inventory."""
    message = _object(body, "message body")
    if "detail-type" in message:
        if message.get("source") != ORDERS_SOURCE or message.get("detail-type") != ORDER_PLACED:
            raise MalformedMessageError(
                f"unexpected event {message.get('detail-type')!r} from {message.get('source')!r}"
            )
        return _reserve(message.get("detail"))
    if message.get("Type") == "Notification" and "Message" in message:
        message = _object(message["Message"], "SNS Message")
    outcome = message.get("outcome")
    if outcome == "succeeded":
        return Ignore("payment succeeded: the reservation stands")
    if outcome != "failed":
        raise MalformedMessageError(
            f"neither an OrderPlaced event nor a payment result (outcome {outcome!r})"
        )
    try:
        return Release(order_id(message.get("orderId")))
    except InventoryError as exc:
        raise MalformedMessageError(f"invalid payment result: {exc}") from None
