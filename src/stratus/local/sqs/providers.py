"""AWS::SQS::Queue in moto."""

from __future__ import annotations

import json
from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
)


class QueueProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        sqs = ctx.aws("sqs")
        fifo = bool(props.get("FifoQueue"))
        name = props.get("QueueName") or ctx.name(80 - (5 if fifo else 0)) + (
            ".fifo" if fifo else ""
        )
        attributes = {
            key: (
                json.dumps(value)
                if isinstance(value, dict)
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            for key, value in props.items()
            if key not in ("QueueName", "Tags")
        }
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = ctx.arn("sqs", name)
        return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("sqs").get_queue_attributes(
                QueueUrl=physical_id, AttributeNames=["QueueArn"]
            ),
            "AWS.SimpleQueueService.NonExistentQueue",
            "QueueDoesNotExist",
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("sqs").delete_queue(QueueUrl=physical_id)
