"""RDS as an emulated service: each DB cluster / DB instance is a real PostgreSQL server.

Prepare stops the servers a killed run left behind (see `postmaster`); the providers start
one server per DB in the background while the stacks provision (see `pool`); start waits
until each accepts connections; stop shuts them down (fast shutdown). moto keeps the RDS
records, answered with the local endpoints (see `answers`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.provision.provider import Provider
from stratus.local.provision.recorded import NamedProvider
from stratus.local.rds import answers, moto_patches, postmaster
from stratus.local.rds.binaries import find_binaries
from stratus.local.rds.pool import ServerPool
from stratus.local.rds.providers import DBClusterProvider, DBInstanceProvider

moto_patches.install()  # before anything imports moto's RDS: EC2 stays unloaded until used

_POOL = ServerPool()


class RdsService(EmulatedService):
    name = "rds"
    order = 25  # after Secrets Manager; its start() (servers ready) before tasks that connect
    moto_backends = ("rds",)
    pool: ClassVar[ServerPool] = _POOL
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::RDS::DBCluster": DBClusterProvider(_POOL),
        "AWS::RDS::DBInstance": DBInstanceProvider(_POOL),
        # Subnets have no local meaning (every server listens on 127.0.0.1): recorded.
        "AWS::RDS::DBSubnetGroup": NamedProvider("DBSubnetGroupName", max_len=255, lower=True),
    }

    def __init__(self) -> None:
        self.cloud: CloudContext | None = None

    def hooks(self) -> Iterable[Hook]:
        # Reads only: writes go to moto as they are (their answers keep moto's host names).
        return [
            Hook("rds", "DescribeDBClusters", before=self._answer),
            Hook("rds", "DescribeDBInstances", before=self._answer),
        ]

    async def prepare(self, cloud: CloudContext) -> None:
        self.cloud = cloud
        root = cloud.settings.snapshot_dir / "rds"
        stopped = await asyncio.to_thread(postmaster.stop_orphans, root)
        if stopped:
            cloud.reporter.info(
                f"stopped {len(stopped)} PostgreSQL server(s) an earlier stratus up left running"
            )

    def wait_provisioned(self) -> None:
        self.pool.wait()

    async def start(self, cloud: CloudContext) -> None:
        self.cloud = cloud
        if not self.pool.servers:
            return
        with cloud.reporter.step("Starting PostgreSQL for RDS"):
            await asyncio.to_thread(self.pool.wait)
        version = await asyncio.to_thread(find_binaries().version)
        for identifier, url in self.describe().items():
            cloud.reporter.info(f"RDS {identifier}: {url} (PostgreSQL {version})")

    async def stop(self) -> None:
        await asyncio.to_thread(self.pool.stop_all)

    def describe(self) -> Mapping[str, Any]:
        return {
            arn.rsplit(":", 1)[-1]: f"postgresql://{e.host}:{e.port}"
            for arn, e in self.pool.endpoints.items()
            if arn in self.pool.servers
        }

    async def _answer(self, call: AwsCall) -> Response | None:
        """moto's answer with the served DBs' endpoints (see `answers`)."""
        if self.cloud is None or not self.pool.endpoints:
            return None
        response = await self.cloud.forward_to_moto(call.request)
        if response.status_code >= 300:
            return response
        body = answers.rewrite(bytes(response.body), dict(self.pool.endpoints))
        if body == response.body:
            return response
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(body, status_code=response.status_code, headers=headers)


SERVICES = [RdsService]
