"""Payments: the stub provider's rule, the event shapes, partial batches and idempotency."""

from __future__ import annotations

import json
from typing import Any

import pytest
from payments_harness import CONTEXT, PaymentsHarness, make_payments, order_event, sqs_event

from stratus.runtime.errors import ConfigError
from stratus.shop.payments.config import PaymentsConfig
from stratus.shop.payments.domain import (
    OrderPlaced,
    Outcome,
    PaymentResult,
    StubPaymentProvider,
    money,
    settle,
)
from stratus.shop.payments.events import MalformedMessageError, order_placed


def _order(total: str) -> OrderPlaced:
    return OrderPlaced.model_validate(order_event(total=total)["detail"])


def test_stub_declines_a_total_ending_in_13_and_approves_others() -> None:
    stub = StubPaymentProvider(".13")
    failed = settle(_order("4.13"), stub)
    assert failed.outcome is Outcome.FAILED and failed.reason == "card_declined"
    assert failed.event_type == "PaymentFailed"
    ok = settle(_order("4.14"), stub)
    assert ok.outcome is Outcome.SUCCEEDED and ok.reason is None
    assert ok.event_type == "PaymentSucceeded"
    assert settle(_order("113.00"), stub).outcome is Outcome.SUCCEEDED


def test_stub_suffix_is_configurable_and_empty_never_declines() -> None:
    assert settle(_order("4.99"), StubPaymentProvider(".99")).outcome is Outcome.FAILED
    assert settle(_order("4.13"), StubPaymentProvider("")).outcome is Outcome.SUCCEEDED


@pytest.mark.parametrize(("raw", "want"), [("12.5", "12.50"), ("4.13", "4.13"), (7, "7.00")])
def test_money_normalises_to_two_places(raw: Any, want: str) -> None:
    assert money(raw) == want


@pytest.mark.parametrize("raw", ["abc", "-1.00", "1.005", "NaN", "Infinity", 1.5, True, None])
def test_money_refuses_what_is_not_an_amount(raw: Any) -> None:
    with pytest.raises(ValueError):
        money(raw)


def test_result_message_has_the_agreed_shape() -> None:
    failed = settle(_order("4.13"), StubPaymentProvider())
    assert failed.message() == {
        "orderId": "o-1",
        "customerId": "c-1",
        "email": "ann@example.com",
        "total": "4.13",
        "outcome": "failed",
        "reason": "card_declined",
    }
    assert "reason" not in settle(_order("4.00"), StubPaymentProvider()).message()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("not json", "not JSON"),
        ("[1]", "not a JSON object"),
        (json.dumps({**order_event(), "source": "someone.else"}), "expected an OrderPlaced"),
        (json.dumps({**order_event(), "detail-type": "OrderShipped"}), "expected an OrderPlaced"),
        (json.dumps({**order_event(), "detail": "x"}), "no detail object"),
        (json.dumps(order_event(total="twelve")), "total"),
        (json.dumps(order_event(email="nobody")), "email"),
        (json.dumps(order_event(orderId="")), "orderId"),
    ],
)
def test_malformed_messages_are_named(body: str, why: str) -> None:
    with pytest.raises(MalformedMessageError, match=why):
        order_placed(body)


def test_batch_publishes_each_outcome_with_its_attributes(harness: PaymentsHarness) -> None:
    event = sqs_event(
        json.dumps(order_event("o-ok", "12.50")), json.dumps(order_event("o-bad", "4.13"))
    )
    assert harness.payments.handle_batch(event, CONTEXT) == {"batchItemFailures": []}
    published = {m["body"]["orderId"]: m for m in harness.published.drain()}
    assert published["o-ok"]["attributes"] == {
        "outcome": "succeeded",
        "eventType": "PaymentSucceeded",
    }
    assert published["o-ok"]["body"]["outcome"] == "succeeded"
    assert published["o-bad"]["attributes"] == {"outcome": "failed", "eventType": "PaymentFailed"}
    assert published["o-bad"]["body"]["reason"] == "card_declined"


def test_poison_message_fails_only_its_own_record(harness: PaymentsHarness) -> None:
    event = sqs_event(
        json.dumps(order_event("o-1")), "{broken", json.dumps(order_event("o-2", "3.00"))
    )
    answer = harness.payments.handle_batch(event, CONTEXT)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert sorted(m["body"]["orderId"] for m in harness.published.drain()) == ["o-1", "o-2"]


def test_batch_where_every_record_fails_is_answered_not_raised(harness: PaymentsHarness) -> None:
    answer = harness.payments.handle_batch(sqs_event("{", "[]"), CONTEXT)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}, {"itemIdentifier": "m-1"}]}


def test_duplicate_delivery_publishes_once(harness: PaymentsHarness) -> None:
    body = json.dumps(order_event("o-dup", "9.99"))
    first = harness.payments.handle_batch(sqs_event(body), CONTEXT)
    again = harness.payments.handle_batch(sqs_event(body, body), CONTEXT)
    assert first == again == {"batchItemFailures": []}
    assert [m["body"]["orderId"] for m in harness.published.drain()] == ["o-dup"]
    assert harness.payments.settle_body(body).outcome is Outcome.SUCCEEDED
    assert len(harness.published.drain()) == 1


def test_same_order_with_another_total_is_refused(harness: PaymentsHarness) -> None:
    harness.payments.handle_batch(sqs_event(json.dumps(order_event("o-x", "5.00"))), CONTEXT)
    answer = harness.payments.handle_batch(
        sqs_event(json.dumps(order_event("o-x", "6.00"))), CONTEXT
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert len(harness.published.drain()) == 1


class FlakyPublisher:
    """Fails its first publish, as SNS might; records the rest."""

    def __init__(self) -> None:
        self.calls = 0
        self.results: list[PaymentResult] = []

    def publish(self, result: PaymentResult) -> str:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("SNS unreachable")
        self.results.append(result)
        return f"msg-{self.calls}"


def test_failed_publish_is_retried_then_published_once(harness: PaymentsHarness) -> None:
    publisher = FlakyPublisher()
    payments = make_payments(harness.dynamodb, publisher)
    body = json.dumps(order_event("o-retry", "1.00"))
    assert payments.handle_batch(sqs_event(body), CONTEXT) == {
        "batchItemFailures": [{"itemIdentifier": "m-0"}]
    }
    assert payments.handle_batch(sqs_event(body), CONTEXT) == {"batchItemFailures": []}
    assert payments.handle_batch(sqs_event(body), CONTEXT) == {"batchItemFailures": []}
    assert [r.order_id for r in publisher.results] == ["o-retry"]


def test_config_reads_the_environment_and_names_what_is_missing() -> None:
    cfg = PaymentsConfig.from_env(
        {
            "PAYMENT_RESULTS_TOPIC_ARN": "arn:aws:sns:us-east-1:1:t",
            "IDEMPOTENCY_TABLE_NAME": "t",
            "PAYMENT_STUB_DECLINE_SUFFIX": "",
        }
    )
    assert cfg.stub_decline_suffix == "" and cfg.idempotency_ttl_seconds == 14 * 24 * 3600
    assert (
        PaymentsConfig.from_env(
            {"PAYMENT_RESULTS_TOPIC_ARN": "a", "IDEMPOTENCY_TABLE_NAME": "t"}
        ).stub_decline_suffix
        == ".13"
    )
    with pytest.raises(ConfigError, match="PAYMENT_RESULTS_TOPIC_ARN"):
        PaymentsConfig.from_env({"IDEMPOTENCY_TABLE_NAME": "t"})
