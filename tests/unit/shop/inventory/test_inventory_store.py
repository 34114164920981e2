"""Migrations and the store against a real PostgreSQL server (see conftest)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from stratus.shop.catalog.samples import SAMPLES
from stratus.shop.inventory.domain import Outcome, Status
from stratus.shop.inventory.migrate import (
    Migration,
    MigrationError,
    latest_version,
    load_migrations,
    migrate,
)
from stratus.shop.inventory.store import InventoryStore

from .conftest import Server


@pytest.fixture(scope="module")
def conninfo(postgres: Server) -> str:
    info = postgres.fresh_database("inventory_store")
    migrate(info)
    return info


@pytest.fixture(scope="module")
def store(conninfo: str) -> Iterator[InventoryStore]:
    pool: ConnectionPool[Any] = ConnectionPool(conninfo, min_size=1, max_size=8, open=True)
    yield InventoryStore(pool)
    pool.close()


def test_migrations_apply_once_and_record_their_versions(postgres: Server) -> None:
    info = postgres.fresh_database("inventory_migrate")
    first = migrate(info)
    assert first == [m.name for m in load_migrations()]
    assert migrate(info) == []
    with psycopg.connect(info) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_migrations")]
    assert sorted(versions) == list(range(1, latest_version() + 1))


def test_concurrent_runners_apply_each_migration_exactly_once(postgres: Server) -> None:
    info = postgres.fresh_database("inventory_race")
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(migrate(info))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    applied = sorted(name for names in results for name in names)
    assert applied == sorted(m.name for m in load_migrations())


def test_an_edited_migration_is_refused(postgres: Server) -> None:
    info = postgres.fresh_database("inventory_edited")
    migrations = load_migrations()
    migrate(info, migrations)
    edited = [Migration(1, migrations[0].name, migrations[0].sql + "\n-- edited"), *migrations[1:]]
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(info, edited)


def test_a_failing_migration_leaves_no_trace(postgres: Server) -> None:
    info = postgres.fresh_database("inventory_failing")
    bad = [
        *load_migrations(),
        Migration(
            latest_version() + 1,
            "9999_bad.sql",
            "CREATE TABLE half_done (id int); SELECT * FROM no_such_table;",
        ),
    ]
    with pytest.raises(psycopg.errors.UndefinedTable):
        migrate(info, bad)
    with psycopg.connect(info) as conn:
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
        top = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    assert top == (latest_version(),)


def test_every_catalog_sample_is_stocked(store: InventoryStore) -> None:
    for product in SAMPLES:
        stock = store.stock(product.id)
        assert stock is not None, product.id
        assert stock.available > 0
        assert stock.reserved == 0 or stock.available >= 0


def test_reserve_moves_units_from_available_to_reserved(store: InventoryStore) -> None:
    store.set_stock("r-widget", 10)
    store.set_stock("r-gadget", 5)
    assert store.reserve("order-r1", {"r-widget": 3, "r-gadget": 5}) == (Outcome.RESERVED, None)
    widget, gadget = store.stock("r-widget"), store.stock("r-gadget")
    assert (widget.available, widget.reserved) == (7, 3)  # type: ignore[union-attr]
    assert (gadget.available, gadget.reserved) == (0, 5)  # type: ignore[union-attr]
    assert store.reservation("order-r1") == (Status.RESERVED, {"r-widget": 3, "r-gadget": 5})


def test_a_duplicate_order_placed_reserves_once(store: InventoryStore) -> None:
    store.set_stock("d-widget", 10)
    assert store.reserve("order-d1", {"d-widget": 4})[0] is Outcome.RESERVED
    assert store.reserve("order-d1", {"d-widget": 4})[0] is Outcome.DUPLICATE
    stock = store.stock("d-widget")
    assert (stock.available, stock.reserved) == (6, 4)  # type: ignore[union-attr]


def test_more_than_available_reserves_nothing_at_all(store: InventoryStore) -> None:
    store.set_stock("n-widget", 10)
    store.set_stock("n-gadget", 1)
    outcome, reason = store.reserve("order-n1", {"n-widget": 2, "n-gadget": 2})
    assert outcome is Outcome.REJECTED
    assert reason == "n-gadget: wanted 2, available 1"
    assert store.stock("n-widget").available == 10  # type: ignore[union-attr]
    assert store.stock("n-gadget").available == 1  # type: ignore[union-attr]
    assert store.reservation("order-n1") == (Status.REJECTED, {})
    # A redelivery of the rejected order stays rejected, even after restocking.
    store.set_stock("n-gadget", 5)
    assert store.reserve("order-n1", {"n-widget": 2, "n-gadget": 2})[0] is Outcome.DUPLICATE
    assert store.stock("n-gadget").reserved == 0  # type: ignore[union-attr]


def test_an_unknown_product_rejects_the_order(store: InventoryStore) -> None:
    store.set_stock("u-widget", 3)
    outcome, reason = store.reserve("order-u1", {"u-widget": 1, "u-missing": 1})
    assert outcome is Outcome.REJECTED and "u-missing" in (reason or "")
    assert store.stock("u-widget").available == 3  # type: ignore[union-attr]


def test_release_gives_back_once(store: InventoryStore) -> None:
    store.set_stock("l-widget", 10)
    store.reserve("order-l1", {"l-widget": 4})
    assert store.release("order-l1") is Outcome.RELEASED
    assert store.release("order-l1") is Outcome.NOTHING_TO_RELEASE
    stock = store.stock("l-widget")
    assert (stock.available, stock.reserved) == (10, 0)  # type: ignore[union-attr]


def test_release_without_reservation_is_a_no_op_and_blocks_a_late_order(
    store: InventoryStore,
) -> None:
    store.set_stock("t-widget", 10)
    assert store.release("order-t1") is Outcome.NOTHING_TO_RELEASE
    assert store.reserve("order-t1", {"t-widget": 2})[0] is Outcome.DUPLICATE
    stock = store.stock("t-widget")
    assert (stock.available, stock.reserved) == (10, 0)  # type: ignore[union-attr]


def test_concurrent_orders_never_oversell(store: InventoryStore) -> None:
    store.set_stock("c-widget", 5)
    store.set_stock("c-gadget", 5)
    outcomes: list[Outcome] = []

    def order(i: int) -> None:
        lines = {"c-widget": 1, "c-gadget": 1} if i % 2 else {"c-gadget": 1, "c-widget": 1}
        outcomes.append(store.reserve(f"order-c{i}", lines)[0])

    threads = [threading.Thread(target=order, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(Outcome.RESERVED) == 5
    assert outcomes.count(Outcome.REJECTED) == 7
    for pid in ("c-widget", "c-gadget"):
        stock = store.stock(pid)
        assert (stock.available, stock.reserved) == (0, 5)  # type: ignore[union-attr]


def test_unknown_product_has_no_stock(store: InventoryStore) -> None:
    assert store.stock("never-stocked") is None


def test_the_schema_refuses_negative_stock(conninfo: str) -> None:
    with psycopg.connect(conninfo) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("UPDATE stock SET available = -1 WHERE product_id = 'coffee-mug'")
