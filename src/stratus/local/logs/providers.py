"""AWS::Logs::LogGroup in moto."""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    error_code,
)


class LogGroupProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        logs = ctx.aws("logs")
        name = props.get("LogGroupName") or ctx.name(512)
        try:
            logs.create_log_group(logGroupName=name)
        except Exception as exc:
            if error_code(exc) != "ResourceAlreadyExistsException":
                raise
        if props.get("RetentionInDays"):
            logs.put_retention_policy(
                logGroupName=name, retentionInDays=int(props["RetentionInDays"])
            )
        return name, {"Arn": ctx.arn("logs", f"log-group:{name}:*")}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        groups = ctx.aws("logs").describe_log_groups(logGroupNamePrefix=physical_id)["logGroups"]
        return any(g["logGroupName"] == physical_id for g in groups)

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        return self.create(ctx, {**props, "LogGroupName": physical_id})

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("logs").delete_log_group(logGroupName=physical_id)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
