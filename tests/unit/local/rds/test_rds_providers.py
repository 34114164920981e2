"""The RDS providers against moto and real servers: a cluster and its writer instance get
one server, moto records both with the local port, a password change updates in place, a
new database name replaces, and deleting the cluster stops its server and removes its data."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from tests.unit.local.moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core.moto_app import MotoApp
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.model import Deployment
from stratus.local.provision.provider import ProviderContext
from stratus.local.rds.pool import ServerPool
from stratus.local.rds.providers import DBClusterProvider, DBInstanceProvider, server_directory

CLUSTER = {
    "Engine": "aurora-postgresql",
    "EngineVersion": "16.4",
    "DatabaseName": "inventory",
    "MasterUsername": "inventory_admin",
    "MasterUserPassword": "first-Secret-9",
    "Port": 5432,
    "DBClusterParameterGroupName": "default.aurora-postgresql16",
    "DBSubnetGroupName": "subnets-1",
    "VpcSecurityGroupIds": ["unsupported:Db/Sg.GroupId"],
    "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 2},
}


@pytest.fixture(scope="module")
def aws() -> Iterator[Any]:
    with serve(MotoAsgi(MotoApp())) as url:
        yield client_factory(url)


@pytest.fixture
def pool() -> Iterator[ServerPool]:
    pool = ServerPool()
    try:
        yield pool
    finally:
        pool.stop_all()


def _ctx(aws: Any, tmp_path: Path, logical_id: str, rtype: str, **kw: Any) -> ProviderContext:
    return ProviderContext(
        settings=LocalSettings.for_project(tmp_path),
        aws=aws,
        stack="Db",
        logical_id=logical_id,
        resource_type=rtype,
        deployment=Deployment(),
        **kw,
    )


def _connect(port: int, password: str) -> Any:
    return psycopg.connect(
        host="127.0.0.1",
        port=port,
        user="inventory_admin",
        password=password,
        dbname="inventory",
        connect_timeout=5,
    )


def test_a_cluster_and_its_writer_share_one_server_recorded_in_moto(
    aws: Any, pool: ServerPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRATUS_STATE_SYNC", "0")
    clusters = DBClusterProvider(pool)
    ctx = _ctx(aws, tmp_path, "Inventory", "AWS::RDS::DBCluster")
    cluster_id, attrs = clusters.create(ctx, dict(CLUSTER))
    assert cluster_id.startswith("db-inventory-") and cluster_id == cluster_id.lower()
    port = int(attrs["Endpoint.Port"])
    assert attrs["Endpoint.Address"] == attrs["ReadEndpoint.Address"] == "127.0.0.1"
    assert attrs["DBClusterArn"] == f"arn:aws:rds:us-east-1:000000000000:cluster:{cluster_id}"

    writer = DBInstanceProvider(pool)
    writer_props = {
        "DBClusterIdentifier": cluster_id,
        "DBInstanceClass": "db.serverless",
        "Engine": "aurora-postgresql",
        "PromotionTier": 0,
    }
    writer_ctx = _ctx(aws, tmp_path, "Writer", "AWS::RDS::DBInstance")
    writer_id, writer_attrs = writer.create(writer_ctx, writer_props)
    assert writer_attrs["Endpoint.Port"] == str(port)  # the cluster's server
    assert len(pool.servers) == 1

    pool.wait()
    with _connect(port, "first-Secret-9") as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("inventory",)

    rds = aws("rds")
    found = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
    assert found["Port"] == port and found["Engine"] == "aurora-postgresql"
    assert [m["DBInstanceIdentifier"] for m in found["DBClusterMembers"]] == [writer_id]

    # A restart: create() runs again on reuse; nothing new in moto, same port and data.
    pool.stop_all()
    again = _ctx(aws, tmp_path, "Inventory", "AWS::RDS::DBCluster", old_properties=CLUSTER)
    assert clusters.create(again, dict(CLUSTER)) == (cluster_id, attrs)
    assert len(rds.describe_db_clusters()["DBClusters"]) == 1

    # A new password (a new secret value) updates in place, on the running server: same
    # port (a new server started beside the listening one had to move to another)...
    pool.wait()
    changed = {**CLUSTER, "MasterUserPassword": "second-Secret-7"}
    updated = clusters.update(again, cluster_id, changed)
    assert updated is not None and updated[0] == cluster_id
    assert updated[1]["Endpoint.Port"] == str(port)
    pool.wait()
    with _connect(port, "second-Secret-7") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    # ...a new default database name replaces the cluster, as on AWS.
    assert clusters.update(again, cluster_id, {**CLUSTER, "DatabaseName": "other"}) is None

    clusters.delete(again, cluster_id)
    assert not server_directory(again, cluster_id).exists()
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", port))
    assert rds.describe_db_clusters()["DBClusters"] == []
    assert rds.describe_db_instances()["DBInstances"] == []
