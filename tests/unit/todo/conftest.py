"""moto-backed fixtures for the to-do system: tables, bucket, cursor secret, the two apps."""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from moto import mock_aws
from todo_harness import FakeClock

from stratus.runtime.clients import s3_client
from stratus.todo.api import Dependencies, build_files_app, build_todos_app
from stratus.todo.cursor import CursorCodec, secret_key_from_secrets_manager
from stratus.todo.domain import IdGenerator
from stratus.todo.files import UserFiles
from stratus.todo.idempotency import IdempotentCreate
from stratus.todo.store import TodoStore

REGION = "us-east-1"
TODO_TABLE = "todos"
IDEMPOTENCY_TABLE = "idempotency"
BUCKET = "user-files"
UPLOAD_MAX = 10 * 1024 * 1024
SETTINGS = SimpleNamespace(region=REGION, dax_endpoint=None)


@dataclass
class Cloud:
    dynamodb: Any
    s3: Any
    secrets: Any
    secret_arn: str
    clock: FakeClock


ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def _create_resources(dynamodb: Any, s3: Any) -> None:
    dynamodb.create_table(
        TableName=TODO_TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.create_table(
        TableName=IDEMPOTENCY_TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    s3.create_bucket(Bucket=BUCKET)


@pytest.fixture(scope="module")
def _moto() -> Iterator[Cloud]:
    """One in-process moto per test module (starting moto per test costs ~0.3 s)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "DAX_ENDPOINT"):
            patch.delenv(name, raising=False)
        for name, value in ENV.items():
            patch.setenv(name, value)
        with mock_aws():
            dynamodb = boto3.client("dynamodb", region_name=REGION)
            s3 = boto3.client("s3", region_name=REGION)
            secrets = boto3.client("secretsmanager", region_name=REGION)
            arn = secrets.create_secret(Name="cursor-key", SecretString="k" * 32)["ARN"]
            _create_resources(dynamodb, s3)
            yield Cloud(dynamodb, s3, secrets, arn, FakeClock())


@pytest.fixture
def cloud(_moto: Cloud) -> Cloud:
    """Empty tables and bucket and a fresh clock for every test."""
    for table, keys in ((TODO_TABLE, ("pk", "sk")), (IDEMPOTENCY_TABLE, ("id",))):
        for item in _moto.dynamodb.scan(TableName=table)["Items"]:
            _moto.dynamodb.delete_item(TableName=table, Key={k: item[k] for k in keys})
    for obj in _moto.s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        _moto.s3.delete_object(Bucket=BUCKET, Key=obj["Key"])
    _moto.clock = FakeClock()
    return _moto


def make_deps(cloud: Cloud, dynamodb: Any | None = None) -> Dependencies:
    """Dependencies over moto; `dynamodb` lets a test put a DAX-like wrapper in front."""
    store = TodoStore(
        dynamodb or cloud.dynamodb,
        TODO_TABLE,
        clock=cloud.clock,
        new_id=IdGenerator(cloud.clock, random.Random(7).randbytes),
        query_cache_ttl_seconds=300,
    )
    files = UserFiles(s3_client(SETTINGS), BUCKET, clock=cloud.clock, max_upload_bytes=UPLOAD_MAX)

    @functools.cache
    def idempotent() -> IdempotentCreate:
        layer = DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE, boto3_client=cloud.dynamodb)
        return IdempotentCreate(store, layer)

    return Dependencies(
        todos=lambda: store,
        files=lambda: files,
        cursors=CursorCodec(secret_key_from_secrets_manager(cloud.secrets, cloud.secret_arn)),
        idempotent_create=idempotent,
    )


@pytest.fixture
def todos_app(cloud: Cloud) -> APIGatewayRestResolver:
    return build_todos_app(make_deps(cloud))


@pytest.fixture
def files_app(cloud: Cloud) -> APIGatewayRestResolver:
    return build_files_app(make_deps(cloud))
