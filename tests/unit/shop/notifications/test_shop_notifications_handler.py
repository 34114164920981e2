"""The notifications Lambda entry point, wired from its environment against moto's SES."""

from __future__ import annotations

import boto3
import pytest
from notifications_harness import CONTEXT, REGION, TABLE, body, sqs_event


def test_handler_mails_through_sesv2(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    sesv2 = boto3.client("sesv2", region_name=REGION)
    sesv2.create_email_identity(EmailIdentity="shop@example.com")
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", TABLE)
    monkeypatch.setenv("MAIL_FROM", "shop@example.com")
    from stratus.shop.notifications import handler

    handler._notifications.cache_clear()
    event = sqs_event(body(order_id="o-h"), body(order_id="o-h"))
    assert handler.lambda_handler(event, CONTEXT) == {"batchItemFailures": []}
    sent = boto3.client("ses", region_name=REGION).get_send_statistics()["SendDataPoints"]
    assert sum(point["DeliveryAttempts"] for point in sent) == 1
    handler._notifications.cache_clear()
