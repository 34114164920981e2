"""Versioned SQL migrations, applied once each, in order, under a PostgreSQL advisory lock.

`migrations/NNNN_name.sql` in this package; `schema_migrations` records each applied version
with its checksum. Each file runs in its own transaction together with its record, so a
failed migration leaves neither. `pg_advisory_xact_lock` serialises runners (several tasks
of a deployment starting at once): the second waits, then finds nothing to do. A file whose
checksum changed after it was applied is refused (a migration is never edited, a new one
is added). https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS

Hand-written rather than a library: yoyo-migrations or Alembic would add their own lock
table (yoyo polls one) or SQLAlchemy to the image for what is ~80 lines here, and neither
takes PostgreSQL's advisory lock, which needs no table and is released if a runner dies.

Run on deploy as the task's `migrate` container, before the app container starts
(`python -m stratus.shop.inventory.migrate`, reading the same secret as the app).
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg

LOCK_KEY = 0x5354_5241_5455_5301 & 0x7FFF_FFFF_FFFF_FFFF  # one bigint for this service
_NAME_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_TABLE = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())"""


class MigrationError(RuntimeError):
    """The migrations cannot be applied as they are (edited after applying, misnamed)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    """The package's migrations in version order (gaps and duplicates refused)."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _NAME_RE.match(entry.name)
        if not match:
            raise MigrationError(f"{entry.name}: migrations are named NNNN_lower_case.sql")
        found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise MigrationError("migration versions must run 1, 2, 3... without gaps")
    return found


def latest_version() -> int:
    return len(load_migrations())


def applied_versions(conn: psycopg.Connection[Any]) -> dict[int, str]:
    """version -> checksum of what this database has applied ({} before the first run)."""
    row = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
    if row is None or row[0] is None:
        return {}
    return {v: c for v, c in conn.execute("SELECT version, checksum FROM schema_migrations")}


def migrate(conninfo: str, migrations: list[Migration] | None = None) -> list[str]:
    """Apply what is missing; the names applied now (empty when up to date)."""
    migrations = load_migrations() if migrations is None else migrations
    applied_now = []
    with psycopg.connect(conninfo) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            conn.execute(_TABLE)
        for migration in migrations:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                done = applied_versions(conn)
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"{migration.name} changed after it was applied; add a new "
                            "migration instead of editing it"
                        )
                    continue
                conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
                applied_now.append(migration.name)
    return applied_now


def main() -> int:
    from stratus.shop.inventory.config import Settings
    from stratus.shop.inventory.logs import logger

    settings = Settings.from_env()
    started = time.monotonic()
    try:
        applied = migrate(settings.db.conninfo())
    except (MigrationError, psycopg.Error) as exc:
        logger.error("migrations failed", extra={"error": str(exc)})
        return 1
    logger.info(
        "migrations applied" if applied else "schema up to date",
        extra={
            "applied": applied,
            "version": latest_version(),
            "seconds": round(time.monotonic() - started, 3),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
