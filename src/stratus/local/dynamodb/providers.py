"""AWS::DynamoDB::Table in moto. On changed properties the table is kept (data survives)."""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    api_params,
    error_code,
    log,
    tags,
)


class TableProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        ddb = ctx.aws("dynamodb")
        name = props.get("TableName") or ctx.name(255)
        params = api_params(ddb, "CreateTable", props)
        params["TableName"] = name
        params.setdefault(
            "BillingMode", "PROVISIONED" if "ProvisionedThroughput" in props else "PAY_PER_REQUEST"
        )
        if "StreamSpecification" in props:
            params["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        sse = props.get("SSESpecification")
        if sse is not None:  # CFN says SSEEnabled, the API says Enabled
            params["SSESpecification"] = {
                "Enabled": bool(sse.get("SSEEnabled", False)),
                **{k: v for k, v in sse.items() if k in ("SSEType", "KMSMasterKeyId")},
            }
        if props.get("Tags"):
            params["Tags"] = tags(props)
        for index in params.get("GlobalSecondaryIndexes", []):
            if params["BillingMode"] == "PAY_PER_REQUEST":
                index.pop("ProvisionedThroughput", None)
            index.pop("ContributorInsightsSpecification", None)
        try:
            ddb.create_table(**params)
        except Exception as exc:
            if error_code(exc) != "ResourceInUseException":
                raise
            log.warning(
                "%s/%s: table %s already exists; keeping its data", ctx.stack, ctx.logical_id, name
            )
        self._apply_ttl(ddb, name, props)
        return name, self._attributes(ddb, name)

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("dynamodb").describe_table(TableName=physical_id),
            "ResourceNotFoundException",
        )

    def update(
        self, ctx: ProviderContext, physical_id: str, props: dict[str, Any]
    ) -> tuple[str, Attributes] | None:
        ddb = ctx.aws("dynamodb")
        log.warning(
            "%s/%s: table properties changed; keeping table %s and its data (only TTL, streams "
            "and deletion protection are updated locally)",
            ctx.stack,
            ctx.logical_id,
            physical_id,
        )
        if "DeletionProtectionEnabled" in props:
            ddb.update_table(
                TableName=physical_id,
                DeletionProtectionEnabled=bool(props["DeletionProtectionEnabled"]),
            )
        self._apply_ttl(ddb, physical_id, props)
        return physical_id, self._attributes(ddb, physical_id)

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("dynamodb").delete_table(TableName=physical_id)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise

    @staticmethod
    def _apply_ttl(ddb: Any, name: str, props: dict[str, Any]) -> None:
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") != "ENABLED":
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": ttl["AttributeName"],
                    },
                )

    @staticmethod
    def _attributes(ddb: Any, name: str) -> Attributes:
        table = ddb.describe_table(TableName=name)["Table"]
        attrs: Attributes = {"Arn": table["TableArn"]}
        if table.get("LatestStreamArn"):
            attrs["StreamArn"] = table["LatestStreamArn"]
        return attrs
