"""moto-backed fixtures for the orders service: a streamed table, a bus, queues."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from moto import mock_aws
from orders_harness import FakeCatalog, FakeClock

from stratus.shop.orders.api import Dependencies, build_orders_app
from stratus.shop.orders.domain import OrderIds
from stratus.shop.orders.store import OrderStore

REGION = "us-east-1"
TABLE = "orders"
ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
       "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}


@dataclass
class Cloud:
    dynamodb: Any
    streams: Any
    events: Any
    sqs: Any
    stream_arn: str
    clock: FakeClock


@pytest.fixture(scope="module")
def _moto() -> Iterator[Cloud]:
    """One in-process moto per module (starting moto per test costs ~0.3 s)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_CA_BUNDLE"):
            patch.delenv(name, raising=False)
        for name, value in ENV.items():
            patch.setenv(name, value)
        with mock_aws():
            dynamodb = boto3.client("dynamodb", region_name=REGION)
            table = dynamodb.create_table(
                TableName=TABLE,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                           {"AttributeName": "sk", "KeyType": "RANGE"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                      {"AttributeName": "sk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
            )["TableDescription"]
            yield Cloud(dynamodb, boto3.client("dynamodbstreams", region_name=REGION),
                        boto3.client("events", region_name=REGION),
                        boto3.client("sqs", region_name=REGION),
                        table["LatestStreamArn"], FakeClock())


@pytest.fixture
def cloud(_moto: Cloud) -> Cloud:
    """An empty table and a fresh clock for every test."""
    for item in _moto.dynamodb.scan(TableName=TABLE)["Items"]:
        _moto.dynamodb.delete_item(TableName=TABLE, Key={"pk": item["pk"], "sk": item["sk"]})
    _moto.clock = FakeClock()
    return _moto


@pytest.fixture
def store(cloud: Cloud) -> OrderStore:
    ids = OrderIds(cloud.clock, random.Random(7).randbytes)
    return OrderStore(cloud.dynamodb, TABLE, clock=cloud.clock, new_id=ids)


@pytest.fixture
def catalog() -> FakeCatalog:
    return FakeCatalog()


@pytest.fixture
def orders_app(store: OrderStore, catalog: FakeCatalog) -> APIGatewayRestResolver:
    return build_orders_app(Dependencies(orders=lambda: store, prices=lambda: catalog))
