"""Identity pool attachments: only recorded; the identity pool service reads them."""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import Attributes, Provider, ProviderContext


class IdentityPoolAttachmentProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return str(props["IdentityPoolId"]), {}
