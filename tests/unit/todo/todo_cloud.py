"""The to-do system's moto world for unit tests: tables, bucket, cursor secret, and the
apps' dependencies over them.

Its own module (not conftest.py) so tests import it by a name no other test folder uses:
`from conftest import ...` picks whichever conftest was imported last when several test
folders run together.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from todo_harness import FakeClock

from stratus.runtime.clients import s3_client
from stratus.todo.api import Dependencies
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


def create_resources(dynamodb: Any, s3: Any) -> None:
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
