"""SNS delivery to subscriptions, as SNS delivers: raised where moto publishes, sent by us.

moto's `Subscription.publish` (called once per subscription of the topic, inside Publish and
PublishBatch) is replaced: filter policies on attributes or body are evaluated with AWS's
rules (`events.sns_filter`), then the message goes out through the local cloud — to SQS as
the JSON envelope or raw (https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html),
to Lambda asynchronously with the SNS event (https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html),
to HTTP/S endpoints as a POST of the envelope with SNS's headers
(https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html). A message that
cannot be delivered after SNS's retries goes to the subscription's dead-letter queue
(RedrivePolicy, https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html)
with the message attributes SNS adds there. moto would post HTTP itself, call Lambda through
Docker and ignore RedrivePolicy.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from datetime import UTC, datetime
from typing import Any

import httpx

from stratus.local.delivery.outbox import Outbox
from stratus.local.delivery.targets import Message, Targets
from stratus.local.events.shapes.sns import Publication, envelope, lambda_event, sqs_message
from stratus.local.events.sns_filter import FilterPolicy, InvalidFilterPolicy
from stratus.local.xray import propagation

log = logging.getLogger("stratus.sns")

# SNS's default HTTP/S delivery policy: "if the initial delivery of the message fails, Amazon
# SNS attempts up to three retries" (https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.retry.html);
# locally the 20 s between attempts is cut to a fraction of a second.
HTTP_ATTEMPTS = 4
HTTP_RETRY_DELAY_SECONDS = 0.2


class SnsDelivery:
    def __init__(self, outbox: Outbox, targets: Targets) -> None:
        self._outbox = outbox
        self._targets = targets
        outbox.rebuilds("sns", self._rebuild)

    # Called by moto, in its request thread, once per subscription ------------------------
    def on_moto_publish(
        self,
        subscription: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        attributes = _boto_attributes(message_attributes or {})
        if not _passes_filter(subscription, message_attributes or {}, message):
            return
        if message_structure == "json":
            message = subscription._parse_message_structure(message, subscription.protocol)
        publication = Publication(
            topic_arn=str(subscription.topic.arn),
            message_id=message_id,
            message=message,
            time=datetime.now(UTC),
            subscription_arn=str(subscription.arn),
            subject=subject,
            attributes=attributes,
        )
        protocol = str(subscription.protocol)
        endpoint = str(subscription.endpoint)
        raw = str(subscription.attributes.get("RawMessageDelivery", "")).lower() == "true"
        data = {
            "protocol": protocol,
            "endpoint": endpoint,
            "publication": publication,
            "raw": raw,
            "group_id": group_id,
            "deduplication_id": deduplication_id,
            "dlq": _dead_letter_arn(subscription),
            # The publisher's X-Ray trace goes on to the subscriber (xray.propagation).
            "trace": propagation.CALLER.get(),
        }
        work, what = self._rebuild(data)
        self._outbox.submit(work, what, redo=("sns", data))

    def _rebuild(self, data: dict[str, Any]) -> tuple[Any, str]:
        """One subscription's delivery from its journaled description."""
        protocol, endpoint, dlq = data["protocol"], data["endpoint"], data["dlq"]
        publication: Publication = data["publication"]

        async def deliver() -> None:
            try:
                await self._deliver(
                    protocol,
                    endpoint,
                    publication,
                    data["raw"],
                    data["group_id"],
                    data["deduplication_id"],
                    data.get("trace"),
                )
            except Exception as exc:
                if dlq is None:
                    raise
                log.warning("SNS delivery to %s failed (%s); to its DLQ", endpoint, exc)
                await self._targets.send(dlq, _dead_letter_message(publication, exc))

        return deliver, f"SNS {publication.topic_arn} -> {protocol}:{endpoint}"

    async def _deliver(
        self,
        protocol: str,
        endpoint: str,
        publication: Publication,
        raw: bool,
        group_id: str | None,
        deduplication_id: str | None,
        trace: str | None = None,
    ) -> None:
        if protocol == "sqs":
            params = sqs_message(publication, raw=raw)
            await self._targets.send(
                endpoint,
                Message(
                    body=params["MessageBody"],
                    attributes=params["MessageAttributes"],
                    group_id=group_id,
                    deduplication_id=deduplication_id,
                    trace_header=trace,
                ),
            )
        elif protocol == "lambda":
            event = json.dumps(lambda_event(publication))
            await self._targets.send(endpoint, Message(body=event, trace_header=trace))
        elif protocol in ("http", "https"):
            await _post(endpoint, publication, raw)
        elif protocol in ("email", "email-json"):
            from stratus.local.ses.sns_email import deliver_email

            await asyncio.to_thread(deliver_email, protocol, endpoint, publication)
        else:
            log.info("SNS protocol %s is not delivered locally (%s)", protocol, endpoint)


async def _post(endpoint: str, publication: Publication, raw: bool) -> None:
    """POST as SNS does: the envelope (or the raw message), with its x-amz-sns-* headers."""
    body = publication.message if raw else json.dumps(envelope(publication))
    headers = {
        "Content-Type": "text/plain; charset=UTF-8",
        "x-amz-sns-message-type": "Notification",
        "x-amz-sns-message-id": publication.message_id,
        "x-amz-sns-topic-arn": publication.topic_arn,
        "x-amz-sns-subscription-arn": publication.subscription_arn,
        "User-Agent": "Amazon Simple Notification Service Agent",
    }
    last: Exception | None = None
    async with httpx.AsyncClient(timeout=15.0, verify=False) as client:
        for attempt in range(HTTP_ATTEMPTS):
            try:
                response = await client.post(endpoint, content=body, headers=headers)
                if response.status_code < 500:  # SNS retries only 5xx and no answer
                    return
                last = RuntimeError(f"HTTP {response.status_code}")
            except httpx.HTTPError as exc:
                last = exc
            if attempt + 1 < HTTP_ATTEMPTS:
                await asyncio.sleep(HTTP_RETRY_DELAY_SECONDS * (attempt + 1))
    raise RuntimeError(f"no successful answer from {endpoint}: {last}")


def _passes_filter(subscription: Any, attributes: dict[str, Any], message: str) -> bool:
    policy_text = subscription.attributes.get("FilterPolicy")
    if not policy_text:
        return True
    scope = str(subscription.attributes.get("FilterPolicyScope") or "MessageAttributes")
    try:
        policy = FilterPolicy.parse(
            policy_text, "MessageBody" if scope == "MessageBody" else "MessageAttributes"
        )
    except InvalidFilterPolicy as exc:
        log.warning("subscription %s has an invalid filter policy: %s", subscription.arn, exc)
        return False
    return policy.matches(attributes, message)


def _boto_attributes(moto_attributes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """moto keeps {name: {Type, Value}} (binary base64); Publish takes DataType/...Value."""
    out: dict[str, dict[str, Any]] = {}
    for name, attribute in moto_attributes.items():
        kind = str(attribute.get("Type", "String"))
        value = attribute.get("Value")
        if kind.startswith("Binary"):
            out[name] = {"DataType": kind, "BinaryValue": base64.b64decode(str(value))}
        else:
            out[name] = {"DataType": kind, "StringValue": str(value)}
    return out


def _dead_letter_arn(subscription: Any) -> str | None:
    policy = subscription.attributes.get("RedrivePolicy")
    if not policy:
        return None
    try:
        parsed = json.loads(policy) if isinstance(policy, str) else policy
        return str(parsed["deadLetterTargetArn"])
    except (ValueError, KeyError, TypeError):
        return None


def _dead_letter_message(publication: Publication, error: Exception) -> Message:
    """What SNS puts on a subscription DLQ: the envelope, with the failure's attributes."""
    return Message(
        body=json.dumps(envelope(publication)),
        attributes={
            "ErrorCode": {"DataType": "String", "StringValue": "DeliveryFailed"},
            "ErrorMessage": {"DataType": "String", "StringValue": str(error)[:256]},
            "TopicArn": {"DataType": "String", "StringValue": publication.topic_arn},
        },
    )


def check_message_structure(message: str) -> None:
    """Publish with MessageStructure=json: "the value of the Message parameter must be a
    syntactically valid JSON object and contain at least a top-level JSON key of "default"
    with a value that is a string" (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html),
    checked at Publish whatever the subscriptions (moto only looks per subscription)."""
    from moto.sns.exceptions import InvalidParameterValue

    try:
        structured = json.loads(message)
    except ValueError:
        raise InvalidParameterValue(
            "Invalid parameter: Message Structure - JSON message body failed to parse"
        ) from None
    if not isinstance(structured, dict) or not isinstance(structured.get("default"), str):
        raise InvalidParameterValue(
            "Invalid parameter: Message Structure - No default entry in JSON message body"
        )


def validate_filter_policy(policy: Any, scope: str | None) -> None:
    """Subscribe / SetSubscriptionAttributes: the policy is checked with the same rules
    delivery matches with (`events.sns_filter`), so a subscription never holds a policy that
    delivery would refuse (moto's own check refuses `cidr` and lets numbers past 10^9 by).
    https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html"""
    from moto.sns.exceptions import SNSInvalidParameter

    try:
        FilterPolicy.parse(policy, "MessageBody" if scope == "MessageBody" else "MessageAttributes")
    except InvalidFilterPolicy as exc:
        raise SNSInvalidParameter(str(exc)) from None


def install(delivery: SnsDelivery) -> None:
    """Route moto's per-subscription publish to `delivery` (replaces moto's own), and check
    filter policies and structured messages as SNS does."""
    from moto.sns.models import SNSBackend, Subscription

    def publish(self: Any, message: str, message_id: str, **kwargs: Any) -> None:
        delivery.on_moto_publish(self, message, message_id, **kwargs)

    Subscription.publish = publish  # type: ignore[method-assign,assignment]

    original = getattr(SNSBackend, "_stratus_publish", None) or SNSBackend.publish
    SNSBackend._stratus_publish = original  # type: ignore[attr-defined]

    def backend_publish(self: Any, message: str, *args: Any, **kwargs: Any) -> str:
        if kwargs.get("message_structure") == "json":
            check_message_structure(message)
        return str(original(self, message, *args, **kwargs))

    SNSBackend.publish = backend_publish  # type: ignore[method-assign]

    def validate(self: Any, value: Any, scope: str | None) -> None:
        validate_filter_policy(value, scope)

    SNSBackend._validate_filter_policy = validate  # type: ignore[method-assign]
