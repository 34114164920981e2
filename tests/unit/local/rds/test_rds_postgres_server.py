"""A real PostgreSQL server in a temporary state directory: initdb once, password auth on
127.0.0.1, the default database, data and port kept across restarts, and the postmaster a
killed run left behind found through its pid file and stopped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from stratus.local.rds import postmaster
from stratus.local.rds.binaries import PostgresBinaries, find_binaries
from stratus.local.rds.server import DatabaseSpec, PostgresServer

SPEC = DatabaseSpec("inventory_admin", "first-Secret-9", "inventory")


@pytest.fixture(scope="module")
def binaries() -> PostgresBinaries:
    return find_binaries()


def _server(
    binaries: PostgresBinaries, directory: Path, spec: DatabaseSpec = SPEC
) -> PostgresServer:
    return PostgresServer(binaries, directory, spec, sync=False)


@pytest.fixture
def running(binaries: PostgresBinaries, tmp_path: Path) -> Iterator[PostgresServer]:
    server = _server(binaries, tmp_path / "rds" / "db1")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _connect(server: PostgresServer, password: str, dbname: str = "inventory") -> Any:
    return psycopg.connect(
        host="127.0.0.1",
        port=server.port,
        user="inventory_admin",
        password=password,
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
    )


def test_the_master_user_reaches_the_default_database_over_tcp(running: PostgresServer) -> None:
    with _connect(running, SPEC.master_password) as conn:
        row = conn.execute("SELECT current_database(), current_user, inet_server_addr()").fetchone()
    assert row is not None and row[:2] == ("inventory", "inventory_admin")
    assert str(row[2]) == "127.0.0.1"
    # Any free port, written down for the next run.
    assert (running.directory / "port").read_text().strip() == str(running.port)


def test_a_wrong_password_is_refused(running: PostgresServer) -> None:
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _connect(running, "not-the-password")


def test_it_listens_on_loopback_only_with_scram_in_a_private_socket_dir(
    running: PostgresServer,
) -> None:
    with _connect(running, SPEC.master_password) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("SHOW password_encryption").fetchone() == ("scram-sha-256",)
        secret = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = 'inventory_admin'"
        ).fetchone()
    assert secret is not None and str(secret[0]).startswith("SCRAM-SHA-256$")
    assert running.socket_dir is not None
    assert oct(running.socket_dir.stat().st_mode & 0o777) == "0o700"


def test_data_port_and_a_new_password_survive_a_restart(
    binaries: PostgresBinaries, tmp_path: Path
) -> None:
    directory = tmp_path / "rds" / "db2"
    first = _server(binaries, directory)
    first.start()
    with _connect(first, SPEC.master_password) as conn:
        conn.execute("CREATE TABLE stock (sku text PRIMARY KEY, n int)")
        conn.execute("INSERT INTO stock VALUES ('mug', 3)")
    first.stop()
    assert not first.running

    changed = DatabaseSpec(SPEC.master_username, "second-Secret-7", SPEC.database)
    second = _server(binaries, directory, changed)
    try:
        second.start()
        assert second.port == first.port
        with _connect(second, "second-Secret-7") as conn:
            assert conn.execute("SELECT n FROM stock WHERE sku = 'mug'").fetchone() == (3,)
        with pytest.raises(psycopg.OperationalError):
            _connect(second, SPEC.master_password)
    finally:
        second.stop()


def test_stop_is_a_fast_shutdown_that_leaves_nothing_running(
    binaries: PostgresBinaries, tmp_path: Path
) -> None:
    server = _server(binaries, tmp_path / "rds" / "db3")
    server.start()
    assert server.process is not None
    pid, socket_dir = server.process.pid, server.socket_dir
    server.stop()
    assert not postmaster.alive(pid)
    assert socket_dir is not None and not socket_dir.exists()
    assert not (server.data_dir / postmaster.PID_FILE).exists()
    assert "database system is shut down" in server.log_path.read_text()


def test_an_orphaned_postmaster_is_found_by_its_pid_file_and_stopped(
    binaries: PostgresBinaries, tmp_path: Path
) -> None:
    root = tmp_path / "rds"
    server = _server(binaries, root / "db4")
    server.start()  # then "killed": nobody calls stop()
    assert server.process is not None
    pid = server.process.pid
    info = postmaster.read_pid_file(server.data_dir)
    assert info is not None and (info.pid, info.port) == (pid, server.port)
    assert postmaster.orphans(root) == {pid: str(server.socket_dir)}

    assert postmaster.stop_orphans(root) == [pid]
    assert not postmaster.alive(pid)
    server.process.wait(timeout=5)

    again = _server(binaries, root / "db4")  # the next run starts on the same data
    try:
        again.start()
        assert again.port == server.port
    finally:
        again.stop()


def test_a_stale_pid_file_naming_another_live_process_is_removed(tmp_path: Path) -> None:
    data = tmp_path / "rds" / "db5" / "data"
    data.mkdir(parents=True)
    # PostgreSQL refuses to start while the pid in its lock file is alive; ours is alive
    # but is no postmaster of that directory.
    (data / postmaster.PID_FILE).write_text(f"{os.getpid()}\n{data}\n0\n5999\n/tmp\n")
    assert postmaster.orphans(tmp_path / "rds") == {}
    assert not (data / postmaster.PID_FILE).exists()
    assert postmaster.alive(os.getpid())


def test_a_postmaster_whose_data_directory_was_deleted_is_found_through_proc(
    binaries: PostgresBinaries, tmp_path: Path
) -> None:
    """`--fresh` after a kill -9 deletes the state under a server still running."""
    import shutil

    root = tmp_path / "rds"
    server = _server(binaries, root / "db6")
    server.start()
    assert server.process is not None
    pid = server.process.pid
    shutil.rmtree(root)  # what --fresh does to the state directory
    try:
        assert pid in postmaster.orphans(root)
        assert postmaster.stop_orphans(root) == [pid]
        assert not postmaster.alive(pid)
    finally:
        server.stop()
