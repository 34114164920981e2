"""AWS::SNS::Topic and AWS::SNS::Subscription in moto."""

from __future__ import annotations

import json
from typing import Any

from stratus.local.provision.provider import (
    Attributes,
    Provider,
    ProviderContext,
    answers,
    error_code,
)


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
