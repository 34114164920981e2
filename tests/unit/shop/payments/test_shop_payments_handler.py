"""The payments Lambda entry point, wired from its environment against moto."""

from __future__ import annotations

import json

import boto3
import pytest
from payments_harness import CONTEXT, REGION, TABLE, order_event, sqs_event


def test_handler_settles_from_its_environment(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="results")["TopicArn"]
    monkeypatch.setenv("PAYMENT_RESULTS_TOPIC_ARN", topic)
    monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", TABLE)
    monkeypatch.setenv("PAYMENT_STUB_DECLINE_SUFFIX", ".99")
    from stratus.shop.payments import handler

    handler._payments.cache_clear()
    event = sqs_event(json.dumps(order_event("o-h", "1.99")), "junk")
    assert handler.lambda_handler(event, CONTEXT) == {
        "batchItemFailures": [{"itemIdentifier": "m-1"}]
    }
    items = dynamodb.scan(TableName=TABLE)["Items"]
    assert len(items) == 1 and items[0]["status"]["S"] == "COMPLETED"
    assert json.loads(items[0]["data"]["S"])["outcome"] == "failed"  # .99 declines here
    handler._payments.cache_clear()
