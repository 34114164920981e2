"""AWS::Kinesis::Stream in moto."""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
)


class StreamProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        kinesis = ctx.aws("kinesis")
        name = props.get("Name") or ctx.name(128)
        params: dict[str, Any] = {"StreamName": name}
        mode = (props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        if mode == "ON_DEMAND":
            params["StreamModeDetails"] = {"StreamMode": "ON_DEMAND"}
        else:
            params["ShardCount"] = int(props.get("ShardCount", 1))
        try:
            kinesis.create_stream(**params)
        except Exception as exc:
            if error_code(exc) != "ResourceInUseException":
                raise
        return name, {"Arn": ctx.arn("kinesis", f"stream/{name}")}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("kinesis").describe_stream_summary(StreamName=physical_id),
            "ResourceNotFoundException",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("kinesis").delete_stream(StreamName=physical_id, EnforceConsumerDeletion=True)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
