"""Topics: every SNS topic of the account in each Region of the deployment with its
subscriptions; one topic's attributes and subscriptions with what shapes delivery (filter
policy and its scope, raw delivery, the subscription's dead-letter queue), from the SNS API
as the AWS console shows them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.layout import ConsoleError, render
from stratus.local.console.pages import Page
from stratus.local.console.pages import _messaging as m

# https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html: 1-256 of these, FIFO
# topics end in .fifo.
TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}(\.fifo)?")
LIST_SUBSCRIPTIONS = 20  # per topic on the list page


@dataclass
class Subscription:
    arn: str
    protocol: str
    endpoint: str
    link: str | None = None  # the console page of the endpoint (queue, function)
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def filter_policy(self) -> str | None:
        text = self.attributes.get("FilterPolicy")
        if not text:
            return None
        try:
            return json.dumps(json.loads(text), indent=2)
        except ValueError:
            return text

    @property
    def dlq(self) -> str | None:
        try:
            target = json.loads(self.attributes.get("RedrivePolicy") or "{}").get(
                "deadLetterTargetArn"
            )
        except ValueError:
            return None
        return m.name_of_arn(target) if isinstance(target, str) else None


@dataclass
class Topic:
    name: str
    arn: str
    region: str
    subscriptions: list[Subscription]
    more_subscriptions: str | None = None  # the next page's token


def _link(protocol: str, endpoint: str) -> str | None:
    name = m.name_of_arn(endpoint)
    if protocol == "sqs":
        return f"queues/{quote(name)}"
    if protocol == "lambda":
        return f"functions/{quote(name)}"
    return None


def _subscriptions(
    sns: Any, arn: str, token: str | None, limit: int, detailed: bool
) -> tuple[list[Subscription], str | None]:
    kwargs: dict[str, Any] = {"TopicArn": arn}
    if token:
        kwargs["NextToken"] = token
    listed = m.aws_call(sns.list_subscriptions_by_topic, missing="topic", **kwargs)
    found = []
    for item in listed.get("Subscriptions", [])[:limit]:
        sub = Subscription(
            arn=item["SubscriptionArn"],
            protocol=item.get("Protocol", ""),
            endpoint=item.get("Endpoint", ""),
        )
        sub.link = _link(sub.protocol, sub.endpoint)
        if detailed and sub.arn.startswith("arn:"):  # "PendingConfirmation" has no ARN
            try:
                sub.attributes = sns.get_subscription_attributes(SubscriptionArn=sub.arn)[
                    "Attributes"
                ]
            except m.AWS_ERRORS:  # unsubscribed meanwhile
                sub.attributes = {}
        found.append(sub)
    return found, listed.get("NextToken")


@dataclass
class RegionTopics:
    region: str
    topics: list[Topic]
    next_token: str | None


def _list_region(console: ConsoleContext, region: str, token: str | None) -> RegionTopics:
    sns = console.aws("sns", region)
    kwargs: dict[str, Any] = {"NextToken": token} if token else {}
    listed = m.aws_call(sns.list_topics, **kwargs)
    topics = []
    for item in listed.get("Topics", []):
        arn = item["TopicArn"]
        try:
            subs, more = _subscriptions(sns, arn, None, LIST_SUBSCRIPTIONS, detailed=True)
        except ConsoleError:  # deleted between the list and the read
            continue
        topics.append(Topic(m.name_of_arn(arn), arn, region, subs, more))
    return RegionTopics(region, topics, listed.get("NextToken"))


def topic_list(request: Request) -> Response:
    console = console_of(request)
    return render(
        request,
        "topics/list.html",
        title="Topics",
        active="topics",
        **m.region_pages(request, console, _list_region),
    )


def topic_detail(request: Request) -> Response:
    console = console_of(request)
    name = m.checked_name(request.path_params["name"], TOPIC_NAME, "topic")
    token = m.page_token(request)
    for region in m.chosen_regions(request, console):
        sns = console.aws("sns", region)
        arn = f"arn:aws:sns:{region}:{console.settings.account_id}:{name}"
        try:
            attributes = m.aws_call(sns.get_topic_attributes, TopicArn=arn, missing="topic")
        except ConsoleError as exc:
            if exc.status == 404:
                continue
            raise
        subs, more = _subscriptions(sns, arn, token, 100, detailed=True)
        return render(
            request,
            "topics/detail.html",
            title=name,
            active="topics",
            topic=Topic(name, arn, region, subs, more),
            attributes=sorted(attributes.get("Attributes", {}).items()),
            region_query="" if region == console.settings.region else f"region={quote(region)}",
        )
    raise ConsoleError(404, f"No topic named {name}.")


def routes(console: ConsoleContext) -> list[BaseRoute]:
    return [
        Route("/topics", topic_list, methods=["GET", "HEAD"]),
        Route("/topics/{name}", topic_detail, methods=["GET", "HEAD"]),
    ]


PAGE = Page("topics", "Topics", 41, routes)
