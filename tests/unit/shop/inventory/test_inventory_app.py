"""The inventory API through httpx's ASGI transport, on a real PostgreSQL (see conftest)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from psycopg_pool import ConnectionPool

from stratus.shop.catalog.samples import SAMPLES
from stratus.shop.inventory.app import Services, create_app
from stratus.shop.inventory.logs import logger
from stratus.shop.inventory.migrate import latest_version, migrate
from stratus.shop.inventory.store import InventoryStore, SchemaNotReadyError

from .conftest import Server


@pytest.fixture(scope="module")
def store(postgres: Server) -> Iterator[InventoryStore]:
    info = postgres.fresh_database("inventory_app")
    migrate(info)
    pool: ConnectionPool[Any] = ConnectionPool(info, min_size=1, max_size=4, open=True)
    yield InventoryStore(pool)
    pool.close()


async def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://inv")


@pytest.fixture
async def client(store: InventoryStore) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(create_app(Services(store, latest_version()))) as c:
        yield c


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_every_sample_product_has_stock(store: InventoryStore) -> None:
    async def go() -> None:
        async with await _client(create_app(Services(store, latest_version()))) as c:
            for product in SAMPLES:
                answer = await c.get(f"/stock/{product.id}")
                assert answer.status_code == 200
                body = answer.json()
                assert set(body) == {"product_id", "available", "reserved"}
                assert body["product_id"] == product.id
                assert isinstance(body["available"], int) and body["available"] > 0
                assert isinstance(body["reserved"], int)

    run(go())


def test_reserved_units_show_in_stock(store: InventoryStore) -> None:
    store.set_stock("app-widget", 9)
    store.reserve("app-order-1", {"app-widget": 4})

    async def go() -> None:
        async with await _client(create_app(Services(store, latest_version()))) as c:
            answer = await c.get("/stock/app-widget")
        assert answer.json() == {"product_id": "app-widget", "available": 5, "reserved": 4}

    run(go())


@pytest.mark.parametrize(
    "path, status",
    [
        ("/stock/no-such-product", 404),
        ("/stock/Upper-Case", 400),
        ("/stock/" + "a" * 65, 400),
        ("/stock/" + "a" * 5000, 400),
        ("/stock/..%2F..%2Fetc%2Fpasswd", 404),
        ("/stock/../../etc/passwd", 404),
        ("/stock/%00", 400),
        ("/stock/coffee-mug/extra", 404),
        ("/stock/", 404),
        ("/nope", 404),
    ],
)
def test_bad_or_unknown_ids_are_clear_4xx(store: InventoryStore, path: str, status: int) -> None:
    async def go() -> httpx.Response:
        async with await _client(create_app(Services(store, latest_version()))) as c:
            return await c.get(path)

    answer = run(go())
    assert answer.status_code == status
    body = answer.json()
    assert set(body) == {"error", "message"}
    assert "Traceback" not in answer.text


def test_other_methods_are_405(store: InventoryStore) -> None:
    async def go() -> httpx.Response:
        async with await _client(create_app(Services(store, latest_version()))) as c:
            return await c.post("/stock/coffee-mug", content=b"{}")

    answer = run(go())
    assert answer.status_code == 405
    assert answer.json()["error"] == "MethodNotAllowed"


def test_health_is_ok_with_the_database_up(store: InventoryStore) -> None:
    async def go() -> httpx.Response:
        async with await _client(create_app(Services(store, latest_version()))) as c:
            return await c.get("/health")

    answer = run(go())
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "up", "schema_version": latest_version()}


def test_health_is_503_when_the_schema_is_behind(store: InventoryStore) -> None:
    async def go() -> httpx.Response:
        async with await _client(create_app(Services(store, latest_version() + 1))) as c:
            return await c.get("/health")

    answer = run(go())
    assert answer.status_code == 503
    assert answer.json()["database"] == "schema behind"


@pytest.fixture(scope="module")
def dead_store() -> Iterator[InventoryStore]:
    # A port nothing listens on: every connection attempt is refused at once.
    pool: ConnectionPool[Any] = ConnectionPool(
        "host=127.0.0.1 port=1 user=x password=y dbname=z connect_timeout=1",
        min_size=0,
        max_size=1,
        open=True,
        timeout=1,
    )
    yield InventoryStore(pool)
    pool.close(timeout=1)


def test_database_down_is_503_not_500(dead_store: InventoryStore) -> None:
    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with await _client(create_app(Services(dead_store, latest_version()))) as c:
            return await c.get("/health"), await c.get("/stock/coffee-mug")

    health, stock = run(go())
    assert health.status_code == 503 and health.json()["database"] == "down"
    assert stock.status_code == 503
    assert stock.json() == {
        "error": "ServiceUnavailable",
        "message": "the inventory database is unavailable",
    }


def test_the_app_starts_from_the_tasks_environment(
    postgres: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres.fresh_database("inventory_env")
    migrate(postgres.conninfo("inventory_env"))
    monkeypatch.setenv("INVENTORY_DB_SECRET", json.dumps(postgres.secret("inventory_env")))
    monkeypatch.delenv("INVENTORY_QUEUE_URL", raising=False)
    app = create_app()

    async def go() -> httpx.Response:
        async with app.router.lifespan_context(app), await _client(app) as c:
            return await c.get("/stock/coffee-mug")

    answer = run(go())
    assert answer.status_code == 200 and answer.json()["product_id"] == "coffee-mug"


def test_the_app_waits_for_migrations_then_gives_up(
    postgres: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres.fresh_database("inventory_unmigrated")
    monkeypatch.setenv("INVENTORY_DB_SECRET", json.dumps(postgres.secret("inventory_unmigrated")))
    monkeypatch.setenv("INVENTORY_SCHEMA_WAIT_SECONDS", "1.5")
    app = create_app()

    async def go() -> None:
        async with app.router.lifespan_context(app):
            pass

    with pytest.raises(SchemaNotReadyError, match="schema version 0"):
        run(go())


def test_requests_are_logged_as_json(
    store: InventoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    async def go() -> None:
        async with await _client(create_app(Services(store, latest_version()))) as c:
            await c.get("/stock/notebook")

    with caplog.at_level("INFO", logger="shop-inventory"):
        run(go())
    records = [r for r in caplog.records if r.getMessage() == "request"]
    assert records
    line = json.loads(logger.registered_formatter.format(records[-1]))
    assert line["service"] == "shop-inventory" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/stock/notebook", 200)
    assert isinstance(line["ms"], float)
