"""moto-backed fixtures for the to-do system (the world itself is in todo_cloud.py)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from moto import mock_aws
from todo_cloud import (
    BUCKET,
    ENV,
    IDEMPOTENCY_TABLE,
    REGION,
    TODO_TABLE,
    Cloud,
    create_resources,
    make_deps,
)
from todo_harness import FakeClock

from stratus.todo.api import build_files_app, build_todos_app


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
            create_resources(dynamodb, s3)
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


@pytest.fixture
def todos_app(cloud: Cloud) -> APIGatewayRestResolver:
    return build_todos_app(make_deps(cloud))


@pytest.fixture
def files_app(cloud: Cloud) -> APIGatewayRestResolver:
    return build_files_app(make_deps(cloud))
