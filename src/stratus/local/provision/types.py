"""Resource providers (one small module per service); each emulated service declares the
ones it provisions, so the table of types comes from the registry."""

from __future__ import annotations

from collections.abc import Mapping

from stratus.local.provision.provider import Provider, ProviderContext


def registry_providers() -> Mapping[str, Provider]:
    """Every resource type the emulated services declare (each service's own package)."""
    from stratus.local.core.discovery import create_services
    from stratus.local.core.registry import providers_of

    return providers_of(create_services())


# Present in every CDK template, carries nothing to emulate.
SKIPPED = frozenset({"AWS::CDK::Metadata"})

__all__ = ["SKIPPED", "Provider", "ProviderContext", "registry_providers"]
