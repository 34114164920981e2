"""Lambda resources: recorded here, numbered and run by the local runtime."""

from __future__ import annotations

from typing import Any

from stratus.local.lambda_runtime import providers as lambda_providers
from stratus.local.provision.provider import Attributes, Provider, ProviderContext
from stratus.local.provision.recorded import GeneratedIdProvider


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


class EventSourceMappingProvider(GeneratedIdProvider):
    """Recorded (the pollers read the template), after Lambda's own checks of the pairing."""

    def __init__(self) -> None:
        super().__init__(32, "Id")

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        lambda_providers.check_sqs_mapping(ctx, props)
        return super().create(ctx, props)
