"""Payment results -> order status, and the fulfilment stand-in that ships paid orders.

Payments publishes to its SNS topic `PaymentResults` a JSON message `{"orderId",
"customerId", "email", "total", "outcome": "succeeded"|"failed", "reason"?}`; orders' own
SQS queue is subscribed to it. Without raw message delivery SQS receives SNS's envelope
(`{"Type": "Notification", "Message": "<the JSON>", ...}`), with it the JSON itself; both
are accepted. AWS: https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html

`succeeded` moves PLACED -> PAID, `failed` PLACED -> PAYMENT_FAILED. Moves are idempotent
(store.transition): a duplicate changes nothing. A result that contradicts the order's
status (PAID after PAYMENT_FAILED) is refused and logged, not retried: retrying cannot make
it valid. A message that is not a payment result, or names an order that does not exist,
raises, so the batch reports it and SQS retries it into the queue's DLQ.

Fulfilment stand-in: the shop has no warehouse, so an order is "shipped" by a delayed SQS
message (`Fulfilment.schedule`) sent when it is PAID; its consumer moves PAID -> SHIPPED.
The message is sent whenever the order is PAID after a result, including on a duplicate, so
a crash between the status write and the send cannot strand an order at PAID.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from stratus.shop.orders.domain import Move, Order, OrderStatus
from stratus.shop.orders.store import OrderStore

OUTCOMES = {"succeeded": OrderStatus.PAID, "failed": OrderStatus.PAYMENT_FAILED}
MAX_DELAY_SECONDS = 900  # SQS's limit for DelaySeconds


class BadMessageError(ValueError):
    """Not a message this consumer understands (goes to the DLQ after retries)."""


@dataclass(frozen=True)
class OrderRef:
    order_id: str
    customer_id: str


def _json_object(text: Any, what: str) -> Mapping[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str | bytes) else None
    except ValueError:
        value = None
    if not isinstance(value, Mapping):
        raise BadMessageError(f"{what} is not a JSON object")
    return value


def _ref(message: Mapping[str, Any]) -> OrderRef:
    order_id, customer_id = message.get("orderId"), message.get("customerId")
    if not isinstance(order_id, str) or not isinstance(customer_id, str):
        raise BadMessageError("message lacks orderId or customerId")
    if not order_id or not customer_id:
        raise BadMessageError("message has an empty orderId or customerId")
    return OrderRef(order_id=order_id, customer_id=customer_id)


def parse_payment_result(body: str) -> tuple[OrderRef, OrderStatus]:
    """(order, target status) from an SQS body carrying a PaymentResults message."""
    message = _json_object(body, "message body")
    if message.get("Type") == "Notification" and "Message" in message:
        message = _json_object(message["Message"], "SNS Message")
    outcome = message.get("outcome")
    if outcome not in OUTCOMES:
        raise BadMessageError(f"unknown payment outcome {outcome!r}")
    return _ref(message), OUTCOMES[outcome]


def parse_shipment(body: str) -> OrderRef:
    return _ref(_json_object(body, "message body"))


class Fulfilment(Protocol):
    def schedule(self, ref: OrderRef) -> None: ...


class SqsFulfilment:
    """The stand-in warehouse: a message delayed by `delay_seconds` (at most 15 minutes)."""

    def __init__(self, client: Any, queue_url: str, delay_seconds: int) -> None:
        self._sqs = client
        self._queue_url = queue_url
        self._delay = max(0, min(delay_seconds, MAX_DELAY_SECONDS))

    def schedule(self, ref: OrderRef) -> None:
        body = {"orderId": ref.order_id, "customerId": ref.customer_id}
        self._sqs.send_message(
            QueueUrl=self._queue_url, MessageBody=json.dumps(body), DelaySeconds=self._delay
        )


def _refused(log: Any, ref: OrderRef, target: OrderStatus, order: Order, move: Move) -> None:
    if move is Move.REFUSED and log is not None:
        log.warning(
            "status change refused",
            extra={"order_id": ref.order_id, "status": order.status.value, "target": target.value},
        )


class PaymentResults:
    """Applies payment results to orders and schedules shipment of the paid ones."""

    def __init__(self, orders: OrderStore, fulfilment: Fulfilment, logger: Any = None) -> None:
        self._orders = orders
        self._fulfilment = fulfilment
        self._log = logger

    def apply(self, body: str) -> Order:
        ref, target = parse_payment_result(body)
        order, move = self._orders.transition(ref.customer_id, ref.order_id, target)
        _refused(self._log, ref, target, order, move)
        if order.status is OrderStatus.PAID:
            self._fulfilment.schedule(ref)
        return order


class Shipments:
    """The stand-in warehouse's consumer: PAID -> SHIPPED."""

    def __init__(self, orders: OrderStore, logger: Any = None) -> None:
        self._orders = orders
        self._log = logger

    def ship(self, body: str) -> Order:
        ref = parse_shipment(body)
        order, move = self._orders.transition(ref.customer_id, ref.order_id, OrderStatus.SHIPPED)
        _refused(self._log, ref, OrderStatus.SHIPPED, order, move)
        return order
