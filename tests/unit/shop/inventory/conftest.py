"""A real PostgreSQL server for inventory's store, migration and app tests.

Started once per session from Debian's server programs (initdb into a temporary directory,
a free port, password authentication like RDS's). No server found is a failure that says
how to install one, never a skip. As root, PostgreSQL refuses to run, so the programs run in
a user namespace where root appears as `nobody` (util-linux's `unshare`), as the local RDS
does.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

USER, PASSWORD = "inventory", "s3cret-pw"


def _bindir() -> Path:
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in [*roots, Path("/usr/local/bin")]:
        if (directory / "postgres").exists() and (directory / "initdb").exists():
            return directory
    pytest.fail(
        "no PostgreSQL server programs (postgres, initdb) in /usr/lib/postgresql/*/bin or "
        "/usr/local/bin: install Debian's `postgresql` package (apt-get install postgresql)"
    )


def _argv(program: Path, *args: str) -> list[str]:
    argv = [str(program), *args]
    if os.geteuid() != 0:
        return argv
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.fail("PostgreSQL does not run as root and util-linux's `unshare` is missing")
    return [unshare, "--user", "--map-user=65534", "--map-group=65534", "--", *argv]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Server:
    port: int
    dbname: str = "postgres"

    def secret(self, dbname: str | None = None) -> dict[str, Any]:
        """The RDS secret's JSON shape for this server."""
        return {
            "engine": "postgres",
            "host": "127.0.0.1",
            "port": self.port,
            "username": USER,
            "password": PASSWORD,
            "dbname": dbname or self.dbname,
        }

    def conninfo(self, dbname: str | None = None) -> str:
        return (
            f"host=127.0.0.1 port={self.port} user={USER} password={PASSWORD} "
            f"dbname={dbname or self.dbname} sslmode=disable"
        )

    def fresh_database(self, name: str) -> str:
        """An empty database `name` (dropped first), its conninfo."""
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.conninfo(name)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    bindir = _bindir()
    root = tmp_path_factory.mktemp("pg")
    os.chmod(root, 0o755)
    data, pwfile = root / "data", root / "pw"
    pwfile.write_text(PASSWORD)
    subprocess.run(
        _argv(
            bindir / "initdb",
            "-D",
            str(data),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = open(root / "postgres.log", "wb")  # noqa: SIM115 - open for the server's life
    proc = subprocess.Popen(
        _argv(
            bindir / "postgres",
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(root),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(server.conninfo(), connect_timeout=2).close()
                break
            except psycopg.OperationalError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "PostgreSQL did not start: " + (root / "postgres.log").read_text()[-2000:]
                    )
                time.sleep(0.1)
        yield server
    finally:
        proc.send_signal(signal.SIGINT)  # fast shutdown
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def secret_json(server: Server, dbname: str) -> str:
    return json.dumps(server.secret(dbname))
