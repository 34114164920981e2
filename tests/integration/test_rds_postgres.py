"""RDS on a real PostgreSQL server: a CDK app with an Aurora PostgreSQL cluster (Serverless
v2 writer) and an RDS for PostgreSQL instance, both with generated credentials in Secrets
Manager, under `stratus up --app`.

The secrets hold working connections; a wrong password is refused; describe-db-clusters /
describe-db-instances show the local endpoints; a row survives a restart and a `kill -9` of
the cloud; no server is left once the cloud stops.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from stratus.local.rds import postmaster
from tests.conftest import (
    ROOT,
    LocalCloudHandle,
    copy_fixture_app,
    start_local_cloud,
    stop_local_cloud,
)
from tests.integration.conftest import aws_client

FIXTURE = ROOT / "tests" / "fixtures" / "apps" / "rds_postgres"


@dataclass
class Cloud:
    """One app directory, its cloud started, stopped, restarted or killed by the tests."""

    app_dir: Path
    proc: subprocess.Popen[bytes] | None = None
    handle: LocalCloudHandle | None = None
    ready: list[float] = field(default_factory=list)

    def start(self, *, fresh: bool) -> LocalCloudHandle:
        self.proc, self.handle = start_local_cloud(None, app_dir=self.app_dir, fresh=fresh)
        return self.handle

    def stop(self) -> None:
        if self.proc is not None:
            stop_local_cloud(self.proc)
            self.proc = None

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc = None

    @property
    def cloud(self) -> LocalCloudHandle:
        assert self.handle is not None and self.proc is not None, "the cloud is not running"
        return self.handle

    def secret(self, output: str) -> dict[str, Any]:
        arn = self.cloud.stack_output(output)
        value = aws_client(self.cloud, "secretsmanager").get_secret_value(SecretId=arn)
        document: dict[str, Any] = json.loads(value["SecretString"])
        return document

    def connect(self, output: str, **override: Any) -> Any:
        s = {**self.secret(output), **override}
        return psycopg.connect(
            host=s["host"],
            port=s["port"],
            user=s["username"],
            password=s["password"],
            dbname=s["dbname"],
            autocommit=True,
            connect_timeout=10,
        )

    def rds_dir(self) -> Path:
        return self.app_dir / ".stratus" / "state" / "rds"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    cloud = Cloud(copy_fixture_app(tmp_path_factory, FIXTURE))
    cloud.start(fresh=True)
    try:
        yield cloud
    finally:
        cloud.stop()


def test_each_secret_holds_a_working_connection_to_its_default_database(db: Cloud) -> None:
    cluster = db.secret("ClusterSecretArn")
    assert cluster["engine"] == "postgres" and cluster["host"] == "127.0.0.1"
    assert isinstance(cluster["port"], int) and cluster["dbname"] == "inventory"
    assert cluster["dbClusterIdentifier"] == db.cloud.stack_output("ClusterIdentifier")
    assert cluster["username"] == "inventory_admin" and len(cluster["password"]) == 30
    with db.connect("ClusterSecretArn") as conn:
        assert conn.execute("SELECT current_database(), current_user").fetchone() == (
            "inventory",
            "inventory_admin",
        )
    instance = db.secret("InstanceSecretArn")
    assert instance["dbInstanceIdentifier"] == db.cloud.stack_output("InstanceIdentifier")
    assert instance["port"] != cluster["port"]  # a server of its own
    with db.connect("InstanceSecretArn") as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("ledger",)
        assert conn.execute("SHOW server_version").fetchone()[0].split(".")[0].isdigit()
    assert db.cloud.stack_output("ClusterPort") == str(cluster["port"])
    assert db.cloud.stack_output("ClusterHost") == "127.0.0.1"


def test_a_wrong_password_is_refused(db: Cloud) -> None:
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        db.connect("ClusterSecretArn", password="not-the-password")


def test_describe_shows_the_local_endpoints(db: Cloud) -> None:
    rds = aws_client(db.cloud, "rds")
    port = db.secret("ClusterSecretArn")["port"]
    identifier = db.cloud.stack_output("ClusterIdentifier")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
    assert (cluster["Endpoint"], cluster["ReaderEndpoint"], cluster["Port"]) == (
        "127.0.0.1",
        "127.0.0.1",
        port,
    )
    assert cluster["Engine"] == "aurora-postgresql" and cluster["DatabaseName"] == "inventory"
    writer = cluster["DBClusterMembers"][0]
    assert writer["IsClusterWriter"]
    member = rds.describe_db_instances(DBInstanceIdentifier=writer["DBInstanceIdentifier"])
    assert member["DBInstances"][0]["Endpoint"] == {"Address": "127.0.0.1", "Port": port}
    ledger = rds.describe_db_instances(
        DBInstanceIdentifier=db.cloud.stack_output("InstanceIdentifier")
    )["DBInstances"][0]
    assert ledger["Endpoint"]["Port"] == db.secret("InstanceSecretArn")["port"]
    assert ledger["Engine"] == "postgres" and ledger["DBInstanceClass"] == "db.t4g.micro"


def test_a_row_survives_a_restart_and_a_kill_9(db: Cloud) -> None:
    with db.connect("ClusterSecretArn") as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS stock (sku text PRIMARY KEY, available int)")
        conn.execute("INSERT INTO stock VALUES ('mug', 7)")
    port = db.secret("ClusterSecretArn")["port"]

    db.stop()
    db.start(fresh=False)
    with db.connect("ClusterSecretArn") as conn:
        assert conn.execute("SELECT available FROM stock WHERE sku = 'mug'").fetchone() == (7,)
        conn.execute("UPDATE stock SET available = 6 WHERE sku = 'mug'")
    assert db.secret("ClusterSecretArn")["port"] == port  # the same port while it is free

    old = postmaster.orphans(db.rds_dir())
    assert len(old) == 2  # the cluster's and the instance's (running: their cloud holds them)
    db.kill()  # the servers outlive it...
    assert all(postmaster.alive(pid) for pid in old)
    db.start(fresh=False)  # ...and the next run stops them before starting its own
    assert not any(postmaster.alive(pid) for pid in old)
    assert "left running" in db.cloud.log_tail(200)
    with db.connect("ClusterSecretArn") as conn:
        assert conn.execute("SELECT available FROM stock WHERE sku = 'mug'").fetchone() == (6,)


def test_no_server_is_left_once_the_cloud_stops(db: Cloud) -> None:
    running = postmaster.orphans(db.rds_dir())
    ports = [db.secret(o)["port"] for o in ("ClusterSecretArn", "InstanceSecretArn")]
    assert len(running) == 2
    db.stop()
    assert not any(postmaster.alive(pid) for pid in running)
    assert postmaster.orphans(db.rds_dir()) == {}
    for port in ports:
        with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
            sock.connect(("127.0.0.1", port))
