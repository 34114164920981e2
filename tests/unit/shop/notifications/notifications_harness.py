"""Set-up for notifications: the idempotency table in moto, a recording mailer."""

from __future__ import annotations

import json
from typing import Any

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from stratus.shop.notifications.processor import Notifications
from stratus.shop.notifications.render import Email

REGION = "us-east-1"
TABLE = "notifications-idempotency"


class FakeContext:
    """The part of Lambda's context Powertools reads (in-progress records expire with it)."""

    function_name = "notifications"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:{REGION}:000000000000:function:notifications"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


CONTEXT = FakeContext()


class RecordingMailer:
    """Keeps what it was asked to send; fails the first `failures` sends, as SES might."""

    def __init__(self, failures: int = 0) -> None:
        self.sent: list[tuple[str, Email]] = []
        self.failures = failures

    def send(self, to: str, email: Email) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SES unreachable")
        self.sent.append((to, email))
        return f"ses-{len(self.sent)}"


def build_notifications(mailer: RecordingMailer) -> Notifications:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    existing = dynamodb.list_tables()["TableNames"]
    if TABLE not in existing:
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    persistence = DynamoDBPersistenceLayer(table_name=TABLE, boto3_client=dynamodb)
    return Notifications(mailer, persistence, ttl_seconds=3600)


def result(order_id: str = "o-1", outcome: str = "succeeded", **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "orderId": order_id,
        "customerId": "c-1",
        "email": "ann@example.com",
        "total": "12.50",
        "outcome": outcome,
    }
    if outcome == "failed":
        message["reason"] = "card_declined"
    return {**message, **extra}


def sqs_event(*bodies: str) -> dict[str, Any]:
    """A Lambda SQS event of raw-delivered SNS messages (message ids m-0, m-1, ...)."""
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
                "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:notifications",
                "awsRegion": REGION,
            }
            for i, body in enumerate(bodies)
        ]
    }


def body(**kwargs: Any) -> str:
    return json.dumps(result(**kwargs))
