"""Resources the local cloud's own parts serve: only recorded, with computed attributes.

Lambda functions run in our worker processes, API Gateway in our HTTPS gateway, DAX in our
DAX endpoint; the Deployment (properties + these ids) is all they need. Ids are derived from
stack and logical id so they stay the same across restarts (REST API ids are 10 lowercase
alphanumerics like AWS's).
"""

from __future__ import annotations

from typing import Any

from stratus.local.lambda_runtime import providers as lambda_providers
from stratus.local.providers.base import Attributes, Provider, ProviderContext


# Lambda's providers: their logic (version and layer numbering) lives beside the runtime.
class FunctionProvider(Provider):
    recompute_on_reuse = True  # create() runs on every start: the store knows $LATEST

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return lambda_providers.create_function(ctx, props)


class FunctionVersionProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return lambda_providers.create_version(ctx, props)


class AliasProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return lambda_providers.create_alias(ctx, props)

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        return self.create(ctx, props)  # an alias is re-pointed in place


class LayerVersionProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return lambda_providers.create_layer_version(ctx, props)


class GeneratedIdProvider(Provider):
    """Any recorded resource whose physical id is just an opaque generated id."""

    def __init__(
        self, length: int = 10, attribute: str | None = None, name_prop: str | None = None
    ) -> None:
        self.length = length
        self.attribute = attribute
        self.name_prop = name_prop

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        physical = str(props.get(self.name_prop, "")) if self.name_prop else ""
        physical = physical or ctx.short_id(self.length)
        return physical, ({self.attribute: physical} if self.attribute else {})


class RestApiProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        api_id = ctx.short_id(10)
        return api_id, {"RestApiId": api_id, "RootResourceId": ctx.short_id(10, salt="/root")}


class StageProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return str(props["StageName"]), {}


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


class NamedProvider(Provider):
    """Recorded resources whose physical id is a name property (or a generated name)."""

    def __init__(self, name_prop: str, max_len: int = 128, lower: bool = False) -> None:
        self.name_prop = name_prop
        self.max_len = max_len
        self.lower = lower

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return str(props.get(self.name_prop) or ctx.name(self.max_len, lower=self.lower)), {}


class IdentityPoolAttachmentProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return str(props["IdentityPoolId"]), {}
