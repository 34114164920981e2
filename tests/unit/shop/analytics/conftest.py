"""moto-backed fixtures for analytics: the counters table, the stream and the export bucket."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from analytics_harness import BUCKET, DAILY, LEDGER, REGION, STREAM, TABLE, Cloud
from moto import mock_aws

from stratus.shop.analytics.consumer import Consumer
from stratus.shop.analytics.counters import CounterStore
from stratus.shop.analytics.daily import DailyCounters


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for name in (TABLE, LEDGER):
            dynamodb.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
        dynamodb.create_table(
            TableName=DAILY,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "productId", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "productId", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        kinesis = boto3.client("kinesis", region_name=REGION)
        kinesis.create_stream(StreamName=STREAM, ShardCount=1)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        # Versioned, as the stack's bucket: a re-written export would show as a version.
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        counters = CounterStore(dynamodb, TABLE, LEDGER, DAILY)
        daily = DailyCounters(dynamodb, DAILY)
        yield Cloud(dynamodb, kinesis, s3, counters, Consumer(counters), daily)
