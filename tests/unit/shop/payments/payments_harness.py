"""moto-backed set-up for payments: the idempotency table and the PaymentResults topic,
whose messages are read back from a queue subscribed with raw delivery."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from stratus.shop.payments.domain import StubPaymentProvider
from stratus.shop.payments.events import SnsResultPublisher
from stratus.shop.payments.processor import Payments

REGION = "us-east-1"
TABLE = "payments-idempotency"


@dataclass
class Published:
    sqs: Any
    queue_url: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    def drain(self) -> list[dict[str, Any]]:
        """Every message published so far: body and attributes."""
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            )
            messages = answer.get("Messages", [])
            if not messages:
                return self.seen
            for message in messages:
                attributes = {
                    k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()
                }
                self.seen.append({"body": json.loads(message["Body"]), "attributes": attributes})
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


class FakeContext:
    """The part of Lambda's context Powertools reads (in-progress records expire with it)."""

    function_name = "payments"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:{REGION}:000000000000:function:payments"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


CONTEXT = FakeContext()


@dataclass
class PaymentsHarness:
    payments: Payments
    published: Published
    dynamodb: Any


def make_payments(dynamodb: Any, publisher: Any) -> Payments:
    persistence = DynamoDBPersistenceLayer(table_name=TABLE, boto3_client=dynamodb)
    return Payments(
        StubPaymentProvider(".13"), publisher, persistence, ttl_seconds=3600, logger=None
    )


def build_harness() -> PaymentsHarness:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="PaymentResults")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="results")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    payments = make_payments(dynamodb, SnsResultPublisher(sns, topic))
    return PaymentsHarness(payments, Published(sqs, queue_url), dynamodb)


def order_event(order_id: str = "o-1", total: str = "12.50", **detail: Any) -> dict[str, Any]:
    """An EventBridge `OrderPlaced` event as the rule delivers it to SQS."""
    return {
        "version": "0",
        "id": f"evt-{order_id}",
        "detail-type": "OrderPlaced",
        "source": "stratus.shop.orders",
        "account": "000000000000",
        "time": "2026-11-30T13:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "orderId": order_id,
            "customerId": "c-1",
            "email": "ann@example.com",
            "total": total,
            "items": [{"product_id": "p-1", "quantity": 1, "price": total}],
            "placedAt": "2026-11-30T13:00:00Z",
            **detail,
        },
    }


def sqs_event(*bodies: str) -> dict[str, Any]:
    """A Lambda SQS event holding the given bodies (message ids m-0, m-1, ...)."""
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": f"rh-{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:orders",
                "awsRegion": REGION,
            }
            for i, body in enumerate(bodies)
        ]
    }
