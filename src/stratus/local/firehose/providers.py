"""`AWS::KinesisFirehose::DeliveryStream`, created in moto through the Firehose API.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kinesisfirehose-deliverystream.html:
Ref is the stream name; `Arn` its ARN. The destination configurations use the API's member
names, so they go to CreateDeliveryStream as they are (numbers a template may hold as text
are made numbers).
"""

from __future__ import annotations

from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    api_params,
    tags,
)

_INT_FIELDS = {"SizeInMBs", "IntervalInSeconds", "DurationInSeconds"}


def _numbers(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _numbers(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if key in _INT_FIELDS and isinstance(value, str) and value.isdigit():
        return int(value)
    return value


class DeliveryStreamProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        firehose = ctx.aws("firehose")
        name = str(props.get("DeliveryStreamName") or ctx.name(64))
        params = api_params(
            firehose,
            "CreateDeliveryStream",
            {k: _numbers(v) for k, v in props.items() if k != "Tags"},
        )
        params["DeliveryStreamName"] = name
        if props.get("Tags"):
            params["Tags"] = tags(props)
        firehose.create_delivery_stream(**params)
        arn = ctx.arn("firehose", f"deliverystream/{name}")
        return name, {"Arn": arn}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("firehose").describe_delivery_stream(DeliveryStreamName=physical_id),
            "ResourceNotFoundException",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("firehose").delete_delivery_stream(DeliveryStreamName=physical_id)
