"""moto-backed fixtures for the catalog: the products table, its store seeded with the
samples, the resolver, and an API Gateway (REST, v1 payload) event builder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stratus.shop.catalog.api import Dependencies, build_app
from stratus.shop.catalog.samples import seed
from stratus.shop.catalog.store import ProductStore

REGION = "us-east-1"
TABLE = "products"
ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def field(self) -> str | None:
        return (
            (self.body.get("details") or {}).get("field") if isinstance(self.body, dict) else None
        )


def event(method: str, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"requestId": "req-1", "stage": "dev", "httpMethod": method,
                           "path": f"/dev{path}", "resourcePath": path,
                           "identity": {"sourceIp": "127.0.0.1"}},
        "body": None,
        "isBase64Encoded": False,
    }  # fmt: skip


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


@pytest.fixture
def store(dynamodb: Any) -> ProductStore:
    products = ProductStore(dynamodb, TABLE)
    seed(products)
    return products


@pytest.fixture
def call(store: ProductStore) -> Any:
    app = build_app(Dependencies(products=lambda: store))

    def send(method: str, path: str, query: dict[str, str] | None = None) -> Reply:
        raw = app.resolve(event(method, path, query), None)  # type: ignore[arg-type]
        headers = dict(raw.get("headers") or {})
        for name, values in (raw.get("multiValueHeaders") or {}).items():
            headers.setdefault(name, values[0])
        text = raw.get("body")
        return Reply(raw["statusCode"], headers, json.loads(text) if text else None)

    return send
