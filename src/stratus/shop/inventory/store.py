"""Stock and reservations in PostgreSQL (psycopg 3, a connection pool injected).

Each command is one transaction. Reserving inserts the order's reservation row first
(`ON CONFLICT DO NOTHING`): a duplicate finds the row and changes nothing, and a concurrent
duplicate waits on the primary key until the first commits. The stock rows it needs are then
locked with `SELECT ... FOR UPDATE` in product order (two orders never lock in opposite
orders, so they cannot deadlock), the pure rules decide, and either every line is taken or
the row is marked rejected. Releasing locks the reservation row and gives its lines back once.
https://www.postgresql.org/docs/15/sql-insert.html#SQL-ON-CONFLICT,
https://www.postgresql.org/docs/15/explicit-locking.html#LOCKING-ROWS
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg_pool import ConnectionPool

from stratus.shop.inventory.domain import (
    Outcome,
    Status,
    Stock,
    decide,
    release_outcome,
)


class SchemaNotReadyError(RuntimeError):
    """The database's schema is older than this code (migrations not applied yet)."""


class InventoryStore:
    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self._pool = pool

    def schema_version(self) -> int:
        """The newest migration applied (0: none); raises psycopg's error when the database
        cannot answer within 3 s (the ALB's health check gives up after 5 s)."""
        with self._pool.connection(timeout=3) as conn:
            row = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
            if row is None or row[0] is None:
                return 0
            found = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
            return int(found.fetchone()[0])

    def stock(self, product_id: str) -> Stock | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT product_id, available, reserved FROM stock WHERE product_id = %s",
                (product_id,),
            ).fetchone()
        return Stock(*row) if row else None

    def set_stock(self, product_id: str, available: int) -> None:
        """Set a product's free stock (tests, restocking); reserved units are untouched."""
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO stock (product_id, available) VALUES (%s, %s) "
                "ON CONFLICT (product_id) DO UPDATE SET available = excluded.available, "
                "updated_at = now()",
                (product_id, available),
            )

    def reserve(self, order_id: str, lines: Mapping[str, int]) -> tuple[Outcome, str | None]:
        """Reserve every line of the order or none; (outcome, reason when rejected)."""
        with self._pool.connection() as conn, conn.transaction():
            created = conn.execute(
                "INSERT INTO reservations (order_id, status) VALUES (%s, 'reserved') "
                "ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
                (order_id,),
            ).fetchone()
            if created is None:
                return Outcome.DUPLICATE, None
            ids = sorted(lines)
            rows = conn.execute(
                "SELECT product_id, available, reserved FROM stock "
                "WHERE product_id = ANY(%s) ORDER BY product_id FOR UPDATE",
                (ids,),
            ).fetchall()
            decision = decide(lines, {row[0]: Stock(*row) for row in rows})
            if not decision.fits:
                conn.execute(
                    "UPDATE reservations SET status = 'rejected', reason = %s, "
                    "updated_at = now() WHERE order_id = %s",
                    (decision.reason, order_id),
                )
                return Outcome.REJECTED, decision.reason
            with conn.cursor() as cur:
                cur.executemany(
                    "UPDATE stock SET available = available - %s, reserved = reserved + %s, "
                    "updated_at = now() WHERE product_id = %s",
                    [(lines[pid], lines[pid], pid) for pid in ids],
                )
                cur.executemany(
                    "INSERT INTO reservation_lines (order_id, product_id, quantity) "
                    "VALUES (%s, %s, %s)",
                    [(order_id, pid, lines[pid]) for pid in ids],
                )
            return Outcome.RESERVED, None

    def release(self, order_id: str) -> Outcome:
        """Give back what the order holds, once; with no reservation, record it released
        (so a late `OrderPlaced` reserves nothing) and move no stock."""
        with self._pool.connection() as conn, conn.transaction():
            created = conn.execute(
                "INSERT INTO reservations (order_id, status, reason) "
                "VALUES (%s, 'released', 'released before any reservation') "
                "ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
                (order_id,),
            ).fetchone()
            if created is not None:
                return Outcome.NOTHING_TO_RELEASE
            row = conn.execute(
                "SELECT status FROM reservations WHERE order_id = %s FOR UPDATE", (order_id,)
            ).fetchone()
            outcome = release_outcome(Status(row[0]) if row else None)
            if outcome is not Outcome.RELEASED:
                return outcome
            conn.execute(  # lock in product order, as reserve does
                "SELECT product_id FROM stock WHERE product_id IN (SELECT product_id FROM "
                "reservation_lines WHERE order_id = %s) ORDER BY product_id FOR UPDATE",
                (order_id,),
            )
            conn.execute(
                "UPDATE stock SET available = stock.available + l.quantity, "
                "reserved = stock.reserved - l.quantity, updated_at = now() "
                "FROM reservation_lines l "
                "WHERE l.order_id = %s AND stock.product_id = l.product_id",
                (order_id,),
            )
            conn.execute(
                "UPDATE reservations SET status = 'released', updated_at = now() "
                "WHERE order_id = %s",
                (order_id,),
            )
            return Outcome.RELEASED

    def reservation(self, order_id: str) -> tuple[Status, dict[str, int]] | None:
        """An order's reservation status and lines (None: never seen)."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT status FROM reservations WHERE order_id = %s", (order_id,)
            ).fetchone()
            if row is None:
                return None
            lines = conn.execute(
                "SELECT product_id, quantity FROM reservation_lines WHERE order_id = %s",
                (order_id,),
            ).fetchall()
        return Status(row[0]), {pid: qty for pid, qty in lines}
