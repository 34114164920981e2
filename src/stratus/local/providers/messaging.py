"""Log groups, SQS queues, SNS topics and subscriptions, Kinesis streams in moto."""

from __future__ import annotations

import json
from typing import Any

from stratus.local.providers.base import Attributes, Provider, ProviderContext, answers, error_code


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


class TopicProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        sns = ctx.aws("sns")
        fifo = bool(props.get("FifoTopic"))
        name = props.get("TopicName") or ctx.name(256 - (5 if fifo else 0)) + (
            ".fifo" if fifo else ""
        )
        attributes = {}
        if props.get("DisplayName"):
            attributes["DisplayName"] = str(props["DisplayName"])
        if fifo:
            attributes["FifoTopic"] = "true"
        arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        for sub in props.get("Subscription") or []:
            sns.subscribe(TopicArn=arn, Protocol=sub["Protocol"], Endpoint=sub["Endpoint"])
        return arn, {"TopicArn": arn, "TopicName": name}

    def exists(self, ctx: ProviderContext, physical_id: str) -> bool:
        return answers(
            lambda: ctx.aws("sns").get_topic_attributes(TopicArn=physical_id), "NotFound"
        )

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        ctx.aws("sns").delete_topic(TopicArn=physical_id)


class SubscriptionProvider(Provider):
    def create(self, ctx: ProviderContext, props: dict[str, Any]) -> tuple[str, Attributes]:
        attributes = {
            key: json.dumps(props[key])
            if isinstance(props[key], dict)
            else str(props[key]).lower()
            if isinstance(props[key], bool)
            else str(props[key])
            for key in ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy")
            if key in props
        }
        arn = ctx.aws("sns").subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return arn, {"Arn": arn}

    def delete(self, ctx: ProviderContext, physical_id: str) -> None:
        try:
            ctx.aws("sns").unsubscribe(SubscriptionArn=physical_id)
        except Exception as exc:
            if error_code(exc) != "NotFound":
                raise


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
