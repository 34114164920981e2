"""Payment results and shipments move an order's status, idempotently, over moto."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from orders_harness import (
    ALICE,
    BOB,
    FakeLambdaContext,
    RecordingFulfilment,
    payment_message,
    sqs_event,
)

from stratus.shop.orders.domain import Order, OrderLine, OrderStatus
from stratus.shop.orders.results import (
    BadMessageError,
    OrderRef,
    PaymentResults,
    Shipments,
    SqsFulfilment,
    parse_payment_result,
)


def _order(store: Any, customer: str = ALICE) -> Order:
    line = OrderLine(product_id="pen", quantity=1, unit_price="0.99", line_total="0.99")
    order: Order = store.place(customer, None, [line], Decimal("0.99"))
    return order


def test_success_pays_and_schedules_shipment(store: Any) -> None:
    order, fulfilment = _order(store), RecordingFulfilment()
    paid = PaymentResults(store, fulfilment).apply(payment_message(order.id, ALICE, "succeeded"))
    assert paid.status is OrderStatus.PAID
    assert store.get(ALICE, order.id).status is OrderStatus.PAID
    assert fulfilment.scheduled == [OrderRef(order.id, ALICE)]


def test_failure_marks_payment_failed_and_ships_nothing(store: Any) -> None:
    order, fulfilment = _order(store), RecordingFulfilment()
    PaymentResults(store, fulfilment).apply(payment_message(order.id, ALICE, "failed"))
    assert store.get(ALICE, order.id).status is OrderStatus.PAYMENT_FAILED
    assert fulfilment.scheduled == []


def test_raw_message_delivery_is_accepted_too(store: Any) -> None:
    order = _order(store)
    body = payment_message(order.id, ALICE, "succeeded", envelope=False)
    assert PaymentResults(store, RecordingFulfilment()).apply(body).status is OrderStatus.PAID


def test_duplicate_result_changes_nothing_but_reschedules(store: Any, cloud: Any) -> None:
    order, fulfilment = _order(store), RecordingFulfilment()
    results = PaymentResults(store, fulfilment)
    results.apply(payment_message(order.id, ALICE, "succeeded"))
    first = store.get(ALICE, order.id)
    cloud.clock.advance(60)
    results.apply(payment_message(order.id, ALICE, "succeeded"))
    assert store.get(ALICE, order.id) == first  # not even updated_at moved
    assert len(fulfilment.scheduled) == 2  # harmless: shipping is idempotent too


def test_contradicting_result_is_refused_not_retried(store: Any) -> None:
    order = _order(store)
    results = PaymentResults(store, RecordingFulfilment())
    results.apply(payment_message(order.id, ALICE, "failed"))
    after = results.apply(payment_message(order.id, ALICE, "succeeded"))
    assert after.status is OrderStatus.PAYMENT_FAILED


def test_shipment_after_payment_and_its_duplicate(store: Any) -> None:
    order = _order(store)
    PaymentResults(store, RecordingFulfilment()).apply(
        payment_message(order.id, ALICE, "succeeded"))
    body = json.dumps({"orderId": order.id, "customerId": ALICE})
    assert Shipments(store).ship(body).status is OrderStatus.SHIPPED
    assert Shipments(store).ship(body).status is OrderStatus.SHIPPED
    late = PaymentResults(store, RecordingFulfilment()).apply(
        payment_message(order.id, ALICE, "succeeded"))
    assert late.status is OrderStatus.SHIPPED  # a late duplicate does not go back


def test_unpaid_order_is_never_shipped(store: Any) -> None:
    order = _order(store)
    body = json.dumps({"orderId": order.id, "customerId": ALICE})
    assert Shipments(store).ship(body).status is OrderStatus.PLACED


@pytest.mark.parametrize("body", [
    "not json", "[]", json.dumps({"orderId": "x", "customerId": "y", "outcome": "maybe"}),
    json.dumps({"customerId": "y", "outcome": "failed"}),
    json.dumps({"Type": "Notification", "Message": "{"}),
    json.dumps({"orderId": "", "customerId": "y", "outcome": "failed"}),
])
def test_malformed_results_are_bad_messages(body: str) -> None:
    with pytest.raises(BadMessageError):
        parse_payment_result(body)


def test_handler_reports_only_the_failed_messages(store: Any, monkeypatch: Any) -> None:
    from stratus.shop.orders.handlers import payments as handler

    order = _order(store)
    monkeypatch.setattr(handler, "results", lambda: PaymentResults(store, RecordingFulfilment()))
    event = sqs_event(
        payment_message(order.id, ALICE, "succeeded"),
        "garbage",
        payment_message("01HZZZZZZZZZZZZZZZZZZZZZZZ", ALICE, "succeeded"),  # no such order
        payment_message(order.id, BOB, "succeeded"),  # not Bob's order: not found
    )
    result = handler.lambda_handler(event, FakeLambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": m} for m in ("m1", "m2", "m3")]}
    assert store.get(ALICE, order.id).status is OrderStatus.PAID


def test_fulfilment_handler_ships(store: Any, monkeypatch: Any) -> None:
    from stratus.shop.orders.handlers import fulfilment as handler

    order = _order(store)
    PaymentResults(store, RecordingFulfilment()).apply(
        payment_message(order.id, ALICE, "succeeded"))
    monkeypatch.setattr(handler, "shipments", lambda: Shipments(store))
    body = json.dumps({"orderId": order.id, "customerId": ALICE})
    result = handler.lambda_handler(sqs_event(body, "{}"), FakeLambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert store.get(ALICE, order.id).status is OrderStatus.SHIPPED


def test_sqs_fulfilment_sends_a_delayed_message(cloud: Any) -> None:
    url = cloud.sqs.create_queue(QueueName="fulfilment")["QueueUrl"]
    SqsFulfilment(cloud.sqs, url, delay_seconds=0).schedule(OrderRef("O1", ALICE))
    (message,) = cloud.sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"]) == {"orderId": "O1", "customerId": ALICE}
    SqsFulfilment(cloud.sqs, url, delay_seconds=5000).schedule(OrderRef("O2", ALICE))
    # capped at SQS's 900 s maximum (a larger DelaySeconds is refused by SQS)
    assert cloud.sqs.receive_message(QueueUrl=url).get("Messages") is None
