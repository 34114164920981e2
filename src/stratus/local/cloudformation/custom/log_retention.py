"""Custom::LogRetention — a log group's retention (creating the group if needed), as
aws-cdk's handler does (packages/@aws-cdk/custom-resource-handlers/lib/aws-logs/
log-retention-handler/index.ts): no RetentionInDays removes the policy; Delete removes the
group only with `RemovalPolicy: destroy`. Physical id and Data.LogGroupName: the group."""

from __future__ import annotations

from typing import Any

from stratus.local.cloudformation.custom.native import NativeCustomResource
from stratus.local.provision.provider import Attributes, ProviderContext, error_code


class LogRetentionProvider(NativeCustomResource):
    def on_create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        name = str(props["LogGroupName"])
        logs = ctx.aws_in("logs", props.get("LogGroupRegion"))
        try:
            logs.create_log_group(logGroupName=name)
        except Exception as exc:
            if error_code(exc) != "ResourceAlreadyExistsException":
                raise
        days = props.get("RetentionInDays")
        if days and str(days) != "0":
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(days))
        else:
            logs.delete_retention_policy(logGroupName=name)
        return name, {"LogGroupName": name}

    def on_delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]) -> None:
        if props.get("RemovalPolicy") != "destroy":
            return
        try:
            ctx.aws_in("logs", props.get("LogGroupRegion")).delete_log_group(
                logGroupName=str(props.get("LogGroupName") or physical_id)
            )
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
