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
            self.app.authorize = dax_authorizer(cloud)
            # As the AWS endpoint's server: each answer in one write (the caller reads it in
            # one wake-up, not head then body), and no X-Forwarded-* rewriting.
            await cloud.serve(
                "dax", self.app, cloud.settings.ports.dax, **servers.AWS_ENDPOINT_OPTIONS
            )

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.aclose()


def dax_authorizer(cloud: CloudContext) -> Any:
    """dax:<Operation> on the cluster, for the caller that signed the request (as DAX
    authorizes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DAX.access-control.html)."""
    from stratus.local.core.aws_request import AwsRequest
    from stratus.local.dax.deployment import CLUSTER
    from stratus.local.dax.wire import Reply
    from stratus.local.iam.enforce import fronted_check

    cluster = next(cloud.require_deployment().resources(CLUSTER), None)
    if cloud.iam is None or cluster is None or not cluster.attributes.get("Arn"):
        return None
    check = fronted_check(cloud.iam, "dax", str(cluster.attributes["Arn"]))

    def authorize(op: str, body: bytes, raw: list[tuple[bytes, bytes]]) -> Reply | None:
        headers: dict[str, str] = {}
        for name, value in raw:
            key, text = name.decode("latin-1").lower(), value.decode("latin-1")
            headers[key] = f"{headers[key]},{text}" if key in headers else text
        refused = check(AwsRequest("POST", "/", "/", "", headers, body))
        if refused is None:
            return None
        out = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in refused.headers.items()
            if k.lower() != "content-length"
        ]
        return Reply(refused.status_code, bytes(refused.body), out)

    return authorize


SERVICES = [DaxService]
