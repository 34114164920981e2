"""The queue worker: SQS (moto) in, PostgreSQL (real, see conftest) changed, then deleted."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from psycopg_pool import ConnectionPool

from stratus.shop.inventory.domain import Outcome
from stratus.shop.inventory.migrate import migrate
from stratus.shop.inventory.store import InventoryStore
from stratus.shop.inventory.worker import Worker

from .conftest import Server

LOG = logging.getLogger("test-inventory-worker")


@pytest.fixture(scope="module")
def store(postgres: Server) -> Iterator[InventoryStore]:
    info = postgres.fresh_database("inventory_worker")
    migrate(info)
    pool: ConnectionPool[Any] = ConnectionPool(info, min_size=1, max_size=4, open=True)
    yield InventoryStore(pool)
    pool.close()


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        client = boto3.client("sqs")
        url = client.create_queue(QueueName="inventory")["QueueUrl"]
        yield client, url


def order_placed(order_id: str, items: dict[str, int]) -> str:
    return json.dumps(
        {
            "source": "stratus.shop.orders",
            "detail-type": "OrderPlaced",
            "detail": {
                "orderId": order_id,
                "customerId": "c-1",
                "total": "1.00",
                "items": [{"productId": p, "quantity": q} for p, q in items.items()],
            },
        }
    )


def payment_failed(order_id: str) -> str:
    return json.dumps(
        {
            "orderId": order_id,
            "customerId": "c-1",
            "email": "a@b.c",
            "total": "4.13",
            "outcome": "failed",
            "reason": "card_declined",
        }
    )


def left_in_queue(client: Any, url: str) -> int:
    attrs = client.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def test_order_placed_reserves_and_payment_failed_releases(
    store: InventoryStore, sqs: tuple[Any, str]
) -> None:
    client, url = sqs
    store.set_stock("w-widget", 10)
    worker = Worker(client, url, store, LOG, wait_seconds=0)
    client.send_message(QueueUrl=url, MessageBody=order_placed("w-order-1", {"w-widget": 3}))
    client.send_message(QueueUrl=url, MessageBody=order_placed("w-order-1", {"w-widget": 3}))
    assert worker.poll_once() == 2
    stock = store.stock("w-widget")
    assert (stock.available, stock.reserved) == (7, 3)  # type: ignore[union-attr]
    client.send_message(QueueUrl=url, MessageBody=payment_failed("w-order-1"))
    assert worker.poll_once() == 1
    stock = store.stock("w-widget")
    assert (stock.available, stock.reserved) == (10, 0)  # type: ignore[union-attr]
    assert left_in_queue(client, url) == 0


def test_a_malformed_message_is_left_for_the_dlq(
    store: InventoryStore, sqs: tuple[Any, str]
) -> None:
    client, url = sqs
    worker = Worker(client, url, store, LOG, wait_seconds=0)
    client.send_message(QueueUrl=url, MessageBody="{not json")
    assert worker.poll_once() == 0
    assert left_in_queue(client, url) == 1


class _DownStore:
    def reserve(self, order_id: str, lines: dict[str, int]) -> tuple[Outcome, str | None]:
        raise ConnectionError("database down")

    def release(self, order_id: str) -> Outcome:
        raise ConnectionError("database down")


def test_a_message_whose_transaction_failed_is_not_deleted(sqs: tuple[Any, str]) -> None:
    client, url = sqs
    worker = Worker(client, url, _DownStore(), LOG, wait_seconds=0)
    client.send_message(QueueUrl=url, MessageBody=order_placed("w-order-2", {"mug": 1}))
    assert worker.poll_once() == 0
    assert left_in_queue(client, url) == 1


def test_the_worker_thread_stops_when_asked(store: InventoryStore, sqs: tuple[Any, str]) -> None:
    client, url = sqs
    worker = Worker(client, url, store, LOG, wait_seconds=0)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    worker.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_the_app_runs_the_worker_beside_the_api(
    postgres: Server, sqs: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import time

    from stratus.shop.inventory.app import create_app

    client, url = sqs
    postgres.fresh_database("inventory_worker_app")
    migrate(postgres.conninfo("inventory_worker_app"))
    monkeypatch.setenv("INVENTORY_DB_SECRET", json.dumps(postgres.secret("inventory_worker_app")))
    monkeypatch.setenv("INVENTORY_QUEUE_URL", url)
    client.send_message(QueueUrl=url, MessageBody=order_placed("app-order", {"desk-lamp": 2}))
    app = create_app()

    async def go() -> float:
        async with app.router.lifespan_context(app):
            store = app.state.services.store
            deadline = time.monotonic() + 20
            while store.stock("desk-lamp").reserved != 2:
                assert time.monotonic() < deadline, "the worker did not reserve"
                await asyncio.sleep(0.1)
            stopping = time.monotonic()
        return time.monotonic() - stopping

    shutdown_seconds = asyncio.run(go())
    assert left_in_queue(client, url) == 0
    assert shutdown_seconds < 16  # the long poll in flight ends within its wait time
