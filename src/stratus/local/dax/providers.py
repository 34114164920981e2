"""DAX resources: only recorded; the local DAX endpoint serves the cluster."""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import Attributes, Provider, ProviderContext


class DaxClusterProvider(Provider):
    # Its endpoint attributes name the DAX port of the current run.
    recompute_on_reuse = True

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = props.get("ClusterName") or ctx.short_id(20)
        endpoint = f"{ctx.settings.host}:{ctx.settings.ports.dax}"
        return name, {
            "Arn": ctx.arn("dax", f"cache/{name}"),
            "ClusterDiscoveryEndpoint": endpoint,
            "ClusterDiscoveryEndpointURL": ctx.settings.dax_endpoint,
        }
