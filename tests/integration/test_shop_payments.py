"""Payments and notifications through the running cloud (`stratus up --system shop`).

An `OrderPlaced` event put on the shop's bus (the shape orders' outbox emits) goes through
the rule to payments' queue, is charged by the provider stub, published to `PaymentResults`
(seen here by a queue of the test's own, subscribed raw) and mailed to the customer (the
local SES inbox). A total ending in .13 is declined; the same event twice is one payment and
one e-mail; a malformed event is retried, dead-lettered and raises the DLQ alarm.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx
import pytest

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import SHOP, aws_client

pytestmark = [pytest.mark.integration, SHOP]

MAIL_TIMEOUT = 60.0
# The poison message is received 3 times (maxReceiveCount), 30 s apart (the visibility
# timeout), before SQS moves it: ~90 s, then one alarm tick.
DLQ_TIMEOUT = 180.0


@pytest.fixture(scope="module")
def cloud(shop_cloud: LocalCloudHandle) -> LocalCloudHandle:
    return shop_cloud


class Results:
    """A queue of the test's own on `PaymentResults` (raw delivery): what payments published."""

    def __init__(self, cloud: LocalCloudHandle) -> None:
        self.sqs = aws_client(cloud, "sqs")
        self.url = self.sqs.create_queue(QueueName=f"test-results-{secrets.token_hex(3)}")[
            "QueueUrl"
        ]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        topic = str(cloud.stack_output("PaymentResultsTopicArn"))
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
                }
            ],
        }
        self.sqs.set_queue_attributes(QueueUrl=self.url, Attributes={"Policy": json.dumps(policy)})
        aws_client(cloud, "sns").subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        self.seen: list[dict[str, Any]] = []

    def drain(self) -> list[dict[str, Any]]:
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                return self.seen
            for message in messages:
                self.seen.append(
                    {
                        "body": json.loads(message["Body"]),
                        "attributes": {
                            k: v["StringValue"]
                            for k, v in message.get("MessageAttributes", {}).items()
                        },
                    }
                )
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def of(self, order_id: str) -> list[dict[str, Any]]:
        return [m for m in self.drain() if m["body"].get("orderId") == order_id]


@pytest.fixture(scope="module")
def results(cloud: LocalCloudHandle) -> Results:
    return Results(cloud)


def place(cloud: LocalCloudHandle, detail: dict[str, Any]) -> None:
    """Put an `OrderPlaced` event on the shop's bus, as orders' outbox does."""
    answer = aws_client(cloud, "events").put_events(
        Entries=[
            {
                "Source": "stratus.shop.orders",
                "DetailType": "OrderPlaced",
                "Detail": json.dumps(detail),
                "EventBusName": str(cloud.stack_output("EventBusName")),
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0, answer


def order(total: str) -> dict[str, Any]:
    order_id = f"o-{secrets.token_hex(6)}"
    return {
        "orderId": order_id,
        "customerId": f"c-{secrets.token_hex(4)}",
        "email": f"{order_id}@example.com",
        "total": total,
        # The orders outbox's item shape (stratus.shop.orders.events), so the analytics
        # consumer in the same cloud counts these instead of refusing them as bad records.
        "items": [
            {"productId": "paper-clips", "quantity": 1, "unitPrice": total, "lineTotal": total}
        ],
        "placedAt": "2026-11-30T13:00:00Z",
    }


def mails(cloud: LocalCloudHandle, to: str) -> list[dict[str, Any]]:
    resp = httpx.get(f"{cloud.aws_endpoint}/_aws/ses", params={"to": to}, timeout=10)
    resp.raise_for_status()
    found: list[dict[str, Any]] = resp.json()["messages"]
    return found


def wait_for_mail(cloud: LocalCloudHandle, to: str) -> dict[str, Any]:
    deadline = time.monotonic() + MAIL_TIMEOUT
    while time.monotonic() < deadline:
        found = mails(cloud, to)
        if found:
            return found[0]
        time.sleep(0.25)
    raise AssertionError(f"no mail to {to} after {MAIL_TIMEOUT}s:\n{cloud.log_tail()}")


def test_placed_order_is_paid_published_and_mailed(
    cloud: LocalCloudHandle, results: Results
) -> None:
    placed = order("12.50")
    place(cloud, placed)
    mail = wait_for_mail(cloud, placed["email"])
    assert mail["Subject"] == f"Payment received for order {placed['orderId']}"
    assert mail["Source"] == cloud.stack_output("ShopMailFrom")
    for part in (mail["Body"]["text_part"], mail["Body"]["html_part"]):
        assert placed["orderId"] in part and "12.50" in part and "succeeded" in part
    (published,) = results.of(placed["orderId"])
    assert published["attributes"] == {"outcome": "succeeded", "eventType": "PaymentSucceeded"}
    assert published["body"] == {
        "orderId": placed["orderId"],
        "customerId": placed["customerId"],
        "email": placed["email"],
        "total": "12.50",
        "outcome": "succeeded",
    }


def test_total_ending_in_13_is_declined_and_mailed_as_failed(
    cloud: LocalCloudHandle, results: Results
) -> None:
    placed = order("4.13")
    place(cloud, placed)
    mail = wait_for_mail(cloud, placed["email"])
    assert mail["Subject"] == f"Payment failed for order {placed['orderId']}"
    assert "declined" in mail["Body"]["text_part"]
    (published,) = results.of(placed["orderId"])
    assert published["attributes"] == {"outcome": "failed", "eventType": "PaymentFailed"}
    assert published["body"]["reason"] == "card_declined"


def test_same_event_twice_is_one_payment_and_one_mail(
    cloud: LocalCloudHandle, results: Results
) -> None:
    placed = order("20.00")
    place(cloud, placed)
    place(cloud, placed)
    wait_for_mail(cloud, placed["email"])
    # Both deliveries are handled within a second or two; leave time for a second one.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert len(results.of(placed["orderId"])) <= 1
        time.sleep(0.5)
    assert len(results.of(placed["orderId"])) == 1
    assert len(mails(cloud, placed["email"])) == 1


def test_malformed_order_is_dead_lettered_and_raises_the_alarm(cloud: LocalCloudHandle) -> None:
    sqs = aws_client(cloud, "sqs")
    cloudwatch = aws_client(cloud, "cloudwatch")
    dlq = str(cloud.stack_output("PaymentsDlqUrl"))
    alarm = str(cloud.stack_output("PaymentsDlqAlarmName"))
    poison_id = f"poison-{secrets.token_hex(4)}"
    place(cloud, {"orderId": poison_id, "total": "not money"})
    deadline = time.monotonic() + DLQ_TIMEOUT
    dead: list[dict[str, Any]] = []
    state = ""
    while time.monotonic() < deadline:
        if not dead:  # this test's poison (the shared cloud's other tests send none, but look)
            dead = [
                m
                for m in sqs.receive_message(
                    QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0
                ).get("Messages", [])
                if json.loads(m["Body"])["detail"].get("orderId") == poison_id
            ]
        state = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"]
        if dead and state == "ALARM":
            break
        time.sleep(1)
    assert dead, f"the poison {poison_id} not in the DLQ after {DLQ_TIMEOUT}s"
    assert state == "ALARM"
    sqs.purge_queue(QueueUrl=dlq)


def test_results_outside_the_filter_policy_are_not_mailed(cloud: LocalCloudHandle) -> None:
    """A result whose `eventType` the subscription's filter does not list never reaches
    notifications; a listed one published the same way is mailed."""
    sns = aws_client(cloud, "sns")
    topic = str(cloud.stack_output("PaymentResultsTopicArn"))
    ignored, mailed = order("3.00"), order("3.00")
    for placed, event_type in ((ignored, "PaymentRefunded"), (mailed, "PaymentSucceeded")):
        message = {k: placed[k] for k in ("orderId", "customerId", "email", "total")}
        sns.publish(
            TopicArn=topic,
            Message=json.dumps({**message, "outcome": "succeeded"}),
            MessageAttributes={
                "outcome": {"DataType": "String", "StringValue": "succeeded"},
                "eventType": {"DataType": "String", "StringValue": event_type},
            },
        )
    wait_for_mail(cloud, mailed["email"])
    time.sleep(2)
    assert mails(cloud, ignored["email"]) == []
