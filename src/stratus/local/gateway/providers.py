"""API Gateway resources: only recorded; the local gateway serves them. REST API ids are
10 lowercase alphanumerics like AWS's."""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import Attributes, Provider, ProviderContext


class RestApiProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        api_id = ctx.short_id(10)
        return api_id, {"RestApiId": api_id, "RootResourceId": ctx.short_id(10, salt="/root")}


class StageProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        return str(props["StageName"]), {}
