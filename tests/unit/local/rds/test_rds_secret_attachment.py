"""The secret target attachment adds a database's connection to its credentials secret, in
the JSON shape Secrets Manager's rotation templates read, and takes it out again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.unit.local.moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core.moto_app import MotoApp
from stratus.local.core.settings import LocalSettings
from stratus.local.provision.model import Deployment, Resource, Stack
from stratus.local.provision.provider import ProviderContext
from stratus.local.secretsmanager.attachment import (
    SecretTargetAttachmentProvider,
    attached,
    connection_fields,
    detached,
)

CLUSTER_PROPS = {"Engine": "aurora-postgresql", "DatabaseName": "inventory"}
ENDPOINT = {"Endpoint.Address": "127.0.0.1", "Endpoint.Port": "45432"}


def test_a_cluster_adds_engine_host_numeric_port_dbname_and_cluster_id() -> None:
    fields = connection_fields("AWS::RDS::DBCluster", "inv-1", CLUSTER_PROPS, ENDPOINT)
    assert fields == {
        "engine": "postgres",
        "host": "127.0.0.1",
        "port": 45432,
        "dbname": "inventory",
        "dbClusterIdentifier": "inv-1",
    }


def test_an_instance_without_a_database_name_has_no_dbname() -> None:
    fields = connection_fields("AWS::RDS::DBInstance", "led-1", {"Engine": "postgres"}, ENDPOINT)
    assert fields == {
        "engine": "postgres",
        "host": "127.0.0.1",
        "port": 45432,
        "dbInstanceIdentifier": "led-1",
    }


def test_another_target_type_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="AWS::DocDB::DBCluster"):
        connection_fields("AWS::DocDB::DBCluster", "d", {}, ENDPOINT)


def test_attaching_keeps_the_credentials_and_replaces_an_old_connection() -> None:
    old = json.dumps({"username": "u", "password": "p", "port": 1, "host": "old", "x": 1})
    fields = connection_fields("AWS::RDS::DBCluster", "inv-1", CLUSTER_PROPS, ENDPOINT)
    document = json.loads(attached(old, fields))
    assert document == {"username": "u", "password": "p", "x": 1, **fields}
    assert json.loads(detached(json.dumps(document))) == {"username": "u", "password": "p", "x": 1}


def test_a_secret_that_is_not_a_json_object_cannot_be_attached() -> None:
    with pytest.raises(ValueError, match="not JSON"):
        attached("hunter2", {"port": 1})
    with pytest.raises(ValueError, match="not a JSON object"):
        attached("[1]", {"port": 1})


@pytest.fixture(scope="module")
def aws() -> Iterator[Any]:
    moto = MotoApp()
    with serve(MotoAsgi(moto)) as url:
        yield client_factory(url)


def _context(aws: Any, tmp_path: Path, deployment: Deployment) -> ProviderContext:
    return ProviderContext(
        settings=LocalSettings.for_project(tmp_path),
        aws=aws,
        stack="Db",
        logical_id="Attachment",
        resource_type="AWS::SecretsManager::SecretTargetAttachment",
        deployment=deployment,
    )


def _deployment(port: str) -> Deployment:
    stack = Stack(name="Db", template_path=Path("Db.template.json"))
    stack.resources["Cluster"] = Resource(
        stack="Db",
        logical_id="Cluster",
        type="AWS::RDS::DBCluster",
        properties=CLUSTER_PROPS,
        physical_id="db-cluster-1",
        attributes={"Endpoint.Address": "127.0.0.1", "Endpoint.Port": port},
    )
    return Deployment(stacks={"Db": stack})


def test_the_provider_writes_a_version_only_when_the_connection_changes(
    aws: Any, tmp_path: Path
) -> None:
    sm = aws("secretsmanager")
    arn = sm.create_secret(
        Name="db-creds", SecretString=json.dumps({"username": "admin", "password": "pw"})
    )["ARN"]
    provider = SecretTargetAttachmentProvider()
    props = {"SecretId": arn, "TargetId": "db-cluster-1", "TargetType": "AWS::RDS::DBCluster"}

    physical_id, _ = provider.create(_context(aws, tmp_path, _deployment("45432")), props)
    assert physical_id == arn  # Ref of an attachment is the secret's ARN
    value = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
    assert value["port"] == 45432 and value["dbClusterIdentifier"] == "db-cluster-1"
    assert value["username"] == "admin" and value["password"] == "pw"

    def versions() -> int:
        return len(sm.list_secret_version_ids(SecretId=arn)["Versions"])

    before = versions()
    provider.create(_context(aws, tmp_path, _deployment("45432")), props)  # a restart
    assert versions() == before
    provider.create(_context(aws, tmp_path, _deployment("45999")), props)  # another port
    assert json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])["port"] == 45999

    provider.delete(_context(aws, tmp_path, _deployment("45999")), arn)
    assert json.loads(sm.get_secret_value(SecretId=arn)["SecretString"]) == {
        "username": "admin",
        "password": "pw",
    }


def test_a_target_the_local_cloud_does_not_run_leaves_the_secret_as_it_was(
    aws: Any, tmp_path: Path
) -> None:
    sm = aws("secretsmanager")
    value = json.dumps({"username": "admin", "password": "pw"})
    arn = sm.create_secret(Name="docdb-creds", SecretString=value)["ARN"]
    provider = SecretTargetAttachmentProvider()
    for target_type, target_id in (
        ("AWS::DocDB::DBCluster", "docs-1"),  # another service
        ("AWS::RDS::DBInstance", "unsupported:Db/Gone"),  # not provisioned
    ):
        props = {"SecretId": arn, "TargetId": target_id, "TargetType": target_type}
        assert provider.create(_context(aws, tmp_path, Deployment()), props) == (arn, {})
    mysql = _deployment("3306")
    cluster = mysql.get("Db", "Cluster")
    cluster.attributes["Endpoint.Address"] = "unsupported:Db/Cluster.Endpoint.Address"
    props = {"SecretId": arn, "TargetId": "db-cluster-1", "TargetType": "AWS::RDS::DBCluster"}
    provider.create(_context(aws, tmp_path, mysql), props)  # an engine not emulated
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == value


def test_another_engine_is_listed_as_skipped_with_placeholder_endpoints(tmp_path: Path) -> None:
    from stratus.local.rds.pool import ServerPool
    from stratus.local.rds.providers import DBClusterProvider

    deployment = Deployment()
    ctx = ProviderContext(
        settings=LocalSettings.for_project(tmp_path),
        aws=lambda service: pytest.fail("nothing reaches AWS for an engine not emulated"),
        stack="Db",
        logical_id="Orders",
        resource_type="AWS::RDS::DBCluster",
        deployment=deployment,
    )
    props = {"Engine": "aurora-mysql", "MasterUsername": "admin", "MasterUserPassword": "pw"}
    physical_id, attributes = DBClusterProvider(ServerPool()).create(ctx, props)
    assert physical_id.startswith("db-orders-")
    assert attributes["Endpoint.Address"] == "unsupported:Db/Orders.Endpoint.Address"
    assert deployment.unsupported == {"AWS::RDS::DBCluster (engine aurora-mysql)": ["Db/Orders"]}
