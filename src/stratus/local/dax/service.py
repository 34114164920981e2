"""DAX as an emulated service: one cluster endpoint with DAX's caching semantics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from stratus.local.core import servers
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, PortSpec
from stratus.local.dax.deployment import dax_settings_from_deployment
from stratus.local.dax.endpoint import build_dax_app
from stratus.local.dax.providers import DaxClusterProvider
from stratus.local.provision.provider import Provider
from stratus.local.provision.recorded import NamedProvider


class DaxService(EmulatedService):
    name = "dax"
    order = 30
    ports = (PortSpec("dax", 8111, "DAX endpoint"),)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::DAX::Cluster": DaxClusterProvider(),
        "AWS::DAX::SubnetGroup": NamedProvider("SubnetGroupName", lower=True),
        "AWS::DAX::ParameterGroup": NamedProvider("ParameterGroupName", lower=True),
    }

    def __init__(self) -> None:
        self.app: Any = None

    async def start(self, cloud: CloudContext) -> None:
        found = dax_settings_from_deployment(cloud.require_deployment())
        if found is None:
            return
        with cloud.reporter.step("Starting the DAX endpoint"):
            item_ttl, query_ttl = found
            self.app = build_dax_app(
                upstream=cloud.settings.aws_endpoint,
                ttl_item_seconds=item_ttl,
                ttl_query_seconds=query_ttl,
                local=cloud.aws_endpoint,
            )
            # As the AWS endpoint's server: each answer in one write (the caller reads it in
            # one wake-up, not head then body), and no X-Forwarded-* rewriting.
            await cloud.serve(
                "dax", self.app, cloud.settings.ports.dax, **servers.AWS_ENDPOINT_OPTIONS
            )

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.aclose()


SERVICES = [DaxService]
