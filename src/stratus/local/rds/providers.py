"""AWS::RDS::DBCluster and AWS::RDS::DBInstance: a real PostgreSQL server each, and moto's
record of it (so `describe-db-clusters` / `describe-db-instances` answer).

A DB cluster (aurora-postgresql) or a standalone DB instance (postgres) gets its own server;
an instance that is a member of a cluster (the Serverless v2 writer, readers) is served by
its cluster's server, as Aurora's instances share the cluster volume. Attributes follow
CloudFormation (Endpoint.Address / Endpoint.Port / ReadEndpoint.Address:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html#aws-resource-rds-dbcluster-return-values,
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbinstance.html#aws-resource-rds-dbinstance-return-values)
with 127.0.0.1 and the server's port. The servers start on every `up`, so the providers run
on reuse too; a reused DB keeps its data directory (and its port while that is free).
Networking properties (subnet group, security groups) have no local meaning: every server
listens on 127.0.0.1 only.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path
from typing import Any

from stratus.local.core.settings import LOOPBACK
from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
)
from stratus.local.rds.binaries import PostgresBinaries, find_binaries
from stratus.local.rds.pool import Endpoint, ServerPool
from stratus.local.rds.server import DatabaseSpec, PostgresServer

CLUSTER_ENGINES = frozenset({"aurora-postgresql"})
INSTANCE_ENGINES = frozenset({"postgres"})
# Properties whose change replaces the DB on AWS (and so starts an empty one here too).
CLUSTER_REPLACING = ("DBClusterIdentifier", "DatabaseName", "Engine", "MasterUsername")
INSTANCE_REPLACING = (
    "DBInstanceIdentifier",
    "DBName",
    "Engine",
    "MasterUsername",
    "DBClusterIdentifier",
)


@functools.cache
def _binaries() -> PostgresBinaries:
    return find_binaries()


def state_sync() -> bool:
    """fsync as the rest of the local state does (STRATUS_STATE_SYNC=0: survives a killed
    process, not a power loss)."""
    return os.environ.get("STRATUS_STATE_SYNC", "1") not in ("0", "off", "false")


def server_directory(ctx: ProviderContext, identifier: str) -> Path:
    return ctx.settings.snapshot_dir / "rds" / ctx.account / ctx.region / identifier


def database_spec(kind: str, props: dict[str, Any], database_key: str) -> DatabaseSpec:
    user, password = props.get("MasterUsername"), props.get("MasterUserPassword")
    if not user or not password:
        raise ValueError(
            f"{kind}: MasterUsername and MasterUserPassword are needed locally "
            "(use rds.Credentials.from_generated_secret; ManageMasterUserPassword, snapshots "
            "and replicas as sources are not emulated)"
        )
    database = props.get(database_key)
    return DatabaseSpec(str(user), str(password), str(database) if database else None)


def not_emulated(ctx: ProviderContext, identifier: str, engine: Any) -> tuple[str, Attributes]:
    """Another engine (MySQL, MariaDB, ...): listed with the types `up` names as skipped,
    its attributes placeholders as an unsupported resource's are; the rest still runs."""
    where = f"{ctx.stack}/{ctx.logical_id}"
    if ctx.deployment is not None:
        label = f"{ctx.resource_type} (engine {engine})"
        ctx.deployment.unsupported.setdefault(label, []).append(where)
    return identifier, {
        name: f"unsupported:{where}.{name}"
        for name in ("Endpoint.Address", "Endpoint.Port", "ReadEndpoint.Address")
    }


def _replaces(old: dict[str, Any] | None, new: dict[str, Any], keys: tuple[str, ...]) -> bool:
    return old is not None and any(old.get(k) != new.get(k) for k in keys)


class _DatabaseProvider(Provider):
    # Started on every run: create() runs on reuse too (it creates in moto only when missing).
    recompute_on_reuse = True

    def __init__(self, pool: ServerPool) -> None:
        self.pool = pool

    def _serve(
        self, ctx: ProviderContext, arn: str, identifier: str, spec: DatabaseSpec
    ) -> Endpoint:
        """Where the DB listens: its server of this run, told the template's password and
        database (an update), else a new one. A new server object made while the old one
        still listens would find its port taken and move to another."""
        running = self.pool.reconfigure(arn, spec)
        if running is not None:
            return running
        server = PostgresServer(
            _binaries(),
            server_directory(ctx, identifier),
            spec,
            host=LOOPBACK,  # also under `--lan`: pg_hba admits loopback clients only
            sync=state_sync(),
        )
        return self.pool.launch(arn, server)

    def _forget(self, ctx: ProviderContext, arn: str, identifier: str) -> None:
        self.pool.remove(arn)
        shutil.rmtree(server_directory(ctx, identifier), ignore_errors=True)


class DBClusterProvider(_DatabaseProvider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        identifier = str(props.get("DBClusterIdentifier") or ctx.name(63, lower=True)).lower()
        engine = str(props.get("Engine"))
        if engine not in CLUSTER_ENGINES:
            return not_emulated(ctx, identifier, engine)
        arn = ctx.arn("rds", f"cluster:{identifier}")
        spec = database_spec("DB cluster", props, "DatabaseName")
        endpoint = self._serve(ctx, arn, identifier, spec)
        rds = ctx.aws("rds")
        try:
            found = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
            if found.get("Port") != endpoint.port:  # the last run's port was taken
                rds.modify_db_cluster(
                    DBClusterIdentifier=identifier, Port=endpoint.port, ApplyImmediately=True
                )
        except Exception as exc:
            if error_code(exc) != "DBClusterNotFoundFault":
                raise
            params: dict[str, Any] = {
                "DBClusterIdentifier": identifier,
                "Engine": engine,
                "MasterUsername": spec.master_username,
                "MasterUserPassword": spec.master_password,
                "Port": endpoint.port,
            }
            for key in (
                "EngineVersion",
                "EngineMode",
                "DatabaseName",
                "ServerlessV2ScalingConfiguration",
                "BackupRetentionPeriod",
                "CopyTagsToSnapshot",
                "StorageEncrypted",
                "EnableCloudwatchLogsExports",
                "PreferredBackupWindow",
                "PreferredMaintenanceWindow",
            ):
                if props.get(key) is not None:
                    params[key] = props[key]
            if props.get("Tags"):
                params["Tags"] = [
                    {"Key": str(t["Key"]), "Value": str(t["Value"])} for t in props["Tags"]
                ]
            found = rds.create_db_cluster(**params)["DBCluster"]
        return identifier, {
            "Endpoint.Address": endpoint.host,
            "Endpoint.Port": str(endpoint.port),
            "ReadEndpoint.Address": endpoint.host,
            "DBClusterArn": arn,
            "DBClusterResourceId": found.get("DbClusterResourceId", ""),
        }

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if _replaces(ctx.old_properties, props, CLUSTER_REPLACING):
            return None
        return self.create(ctx, props)

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("rds").describe_db_clusters(DBClusterIdentifier=physical_id),
            "DBClusterNotFoundFault",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        self._forget(ctx, ctx.arn("rds", f"cluster:{physical_id}"), physical_id)
        rds = ctx.aws("rds")
        members = rds.describe_db_instances(
            Filters=[{"Name": "db-cluster-id", "Values": [physical_id]}]
        )["DBInstances"]
        for member in members:  # AWS refuses to delete a cluster that still has instances
            rds.delete_db_instance(
                DBInstanceIdentifier=member["DBInstanceIdentifier"], SkipFinalSnapshot=True
            )
        try:
            rds.delete_db_cluster(DBClusterIdentifier=physical_id, SkipFinalSnapshot=True)
        except Exception as exc:
            if error_code(exc) != "DBClusterNotFoundFault":
                raise


class DBInstanceProvider(_DatabaseProvider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        identifier = str(props.get("DBInstanceIdentifier") or ctx.name(63, lower=True)).lower()
        arn = ctx.arn("rds", f"db:{identifier}")
        cluster = props.get("DBClusterIdentifier")
        engine = str(props.get("Engine"))
        if engine not in (CLUSTER_ENGINES if cluster else INSTANCE_ENGINES):
            return not_emulated(ctx, identifier, engine)
        if cluster:
            cluster_id = str(cluster).lower()
            endpoint = self.pool.alias(arn, ctx.arn("rds", f"cluster:{cluster_id}"))
            if endpoint is None:
                raise ValueError(f"DB instance {identifier}: cluster {cluster_id} is not served")
            params: dict[str, Any] = {"DBClusterIdentifier": cluster_id}
        else:
            spec = database_spec("DB instance", props, "DBName")
            endpoint = self._serve(ctx, arn, identifier, spec)
            params = {
                "MasterUsername": spec.master_username,
                "MasterUserPassword": spec.master_password,
                "Port": endpoint.port,
            }
            if spec.database:
                params["DBName"] = spec.database
            if props.get("AllocatedStorage") is not None:
                params["AllocatedStorage"] = int(props["AllocatedStorage"])
            for key in ("EngineVersion", "StorageType", "BackupRetentionPeriod", "MultiAZ"):
                if props.get(key) is not None:
                    params[key] = props[key]
        rds = ctx.aws("rds")
        try:
            found = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        except Exception as exc:
            if error_code(exc) != "DBInstanceNotFound":
                raise
            for key in ("PromotionTier", "CopyTagsToSnapshot", "PubliclyAccessible"):
                if props.get(key) is not None:
                    params[key] = props[key]
            found = rds.create_db_instance(
                DBInstanceIdentifier=identifier,
                DBInstanceClass=str(props.get("DBInstanceClass") or "db.serverless"),
                Engine=engine,
                **params,
            )["DBInstance"]
        return identifier, {
            "Endpoint.Address": endpoint.host,
            "Endpoint.Port": str(endpoint.port),
            "DBInstanceArn": arn,
            "DbiResourceId": found.get("DbiResourceId", ""),
        }

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        if _replaces(ctx.old_properties, props, INSTANCE_REPLACING):
            return None
        return self.create(ctx, props)

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("rds").describe_db_instances(DBInstanceIdentifier=physical_id),
            "DBInstanceNotFound",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        arn = ctx.arn("rds", f"db:{physical_id}")
        if (ctx.old_properties or {}).get("DBClusterIdentifier"):
            self.pool.endpoints.pop(arn, None)  # served by its cluster, which stays
        else:
            self._forget(ctx, arn, physical_id)
        try:
            ctx.aws("rds").delete_db_instance(
                DBInstanceIdentifier=physical_id, SkipFinalSnapshot=True
            )
        except Exception as exc:
            if error_code(exc) != "DBInstanceNotFound":
                raise
