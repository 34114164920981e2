"""Recorded resources: computed attributes only, served by the local cloud's own parts.

Ids derive from stack and logical id, so they stay the same across restarts."""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import Attributes, Provider, ProviderContext


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


class NamedProvider(Provider):
    """Recorded resources whose physical id is a name property (or a generated name)."""

    def __init__(self, name_prop: str, max_len: int = 128, lower: bool = False) -> None:
        self.name_prop = name_prop
        self.max_len = max_len
        self.lower = lower

    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return str(props.get(self.name_prop) or ctx.name(self.max_len, lower=self.lower)), {}
