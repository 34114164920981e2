"""Base of CDK's custom resources done natively (in Python, against the local endpoint).

Each subclass does what the CDK handler of that resource does, reading the properties as
that handler receives them (every value a string, see events.shapes.cloudformation.stringify) and
answering with a physical id and the response's Data (what Fn::GetAtt reads).
"""

from __future__ import annotations

import uuid
from typing import Any

from stratus.local.events.shapes.cloudformation import stringify
from stratus.local.provision.provider import Attributes, Provider, ProviderContext


class CustomResourceFailed(Exception):
    """The resource answered FAILED; the message is the Reason CloudFormation shows."""


class NativeCustomResource(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return self.on_create(ctx, stringify(props))

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        old = stringify(ctx.old_properties or {})
        return self.on_update(ctx, physical_id, stringify(props), old)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        self.on_delete(ctx, physical_id, stringify(ctx.old_properties or {}))

    # -- what subclasses implement ----------------------------------------------------
    def on_create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        raise NotImplementedError

    def on_update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any], old: dict[str, Any]
    ) -> tuple[str, Attributes]:
        return self.on_create(ctx, props)

    def on_delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]) -> None:
        return None


def request_id() -> str:
    """CDK's provider framework names a created resource after the request id."""
    return str(uuid.uuid4())


def is_true(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    return str(value).lower() == "true"
