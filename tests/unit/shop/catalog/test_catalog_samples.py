"""Seeding: samples are created once, an existing product is never overwritten, and the
custom resource reports SUCCESS or FAILED (never hangs the stack)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from stratus.runtime import custom_resource
from stratus.shop.catalog.domain import Product
from stratus.shop.catalog.handlers import seed as seed_handler
from stratus.shop.catalog.samples import SAMPLES, seed
from stratus.shop.catalog.store import ProductStore

TABLE = "products"  # the conftest's table


def test_seed_creates_the_missing_samples_only(dynamodb: Any) -> None:
    store = ProductStore(dynamodb, TABLE)
    store.put(Product(id="notebook", name="Mine", price=Decimal("1.00")))
    created = seed(store)
    assert "notebook" not in created and len(created) == len(SAMPLES) - 1
    assert store.get("notebook") == Product(id="notebook", name="Mine", price=Decimal("1.00"))
    assert seed(store) == []


def _event(kind: str) -> dict[str, Any]:
    return {
        "RequestType": kind, "ResponseURL": "https://cfn.example/response", "StackId": "stack",
        "RequestId": "r1", "LogicalResourceId": "Samples", "ResourceProperties": {},
    }  # fmt: skip


@pytest.fixture
def replies(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    def respond(event: Any, status: str, reason: str, data: dict[str, Any], physical: str) -> None:
        sent.append({"Status": status, "Reason": reason, "Data": data})

    monkeypatch.setattr(custom_resource, "respond", respond)
    return sent


def test_create_seeds_and_reports_success(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch, replies: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("PRODUCTS_TABLE", TABLE)
    seed_handler.lambda_handler(_event("Create"), _Context())
    assert replies == [
        {"Status": "SUCCESS", "Reason": "OK", "Data": {"Created": str(len(SAMPLES))}}
    ]
    assert ProductStore(dynamodb, TABLE).get("paper-clips") is not None


def test_a_failure_is_reported_as_failed(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch, replies: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("PRODUCTS_TABLE", "no-such-table")
    seed_handler.lambda_handler(_event("Create"), _Context())
    assert replies[0]["Status"] == "FAILED" and "ResourceNotFound" in replies[0]["Reason"]


def test_delete_keeps_the_products(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch, replies: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("PRODUCTS_TABLE", TABLE)
    store = ProductStore(dynamodb, TABLE)
    seed(store)
    seed_handler.lambda_handler(_event("Delete"), _Context())
    assert replies[0] == {"Status": "SUCCESS", "Reason": "OK", "Data": {}}
    assert len(store.all()) == len(SAMPLES)


class _Context:
    function_name = "seed"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:seed"
    aws_request_id = "r1"
