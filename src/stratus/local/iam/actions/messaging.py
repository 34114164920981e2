"""SQS, SNS, Kinesis and Firehose: the queue, topic, stream or delivery stream a call acts on.

Pages: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html,
list_amazonsns.html, list_amazonkinesis.html, list_amazonkinesisfirehose.html.
- SQS: a queue is `arn:aws:sqs:<region>:<account>:<name>`, read from QueueUrl (JSON and
  query protocols alike) or, for a query request posted to the queue's own URL
  (`POST /<account>/<name>` with `Action=SendMessage`, as API Gateway integrations send),
  from the path. The batch operations are authorized by their single-message action
  (SendMessageBatch -> sqs:SendMessage; https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html).
- SNS: the topic ARN; a subscription's topic is its ARN without the last `:<id>`; Publish
  to a mobile endpoint (TargetArn) or a phone number has no topic, so "*". Subscribe adds
  `sns:Protocol` and `sns:Endpoint`.
- Kinesis: StreamARN or StreamName; consumers by their ARN. A GetRecords that names no
  stream is read from the shard iterator the local cloud issued (moto's base64
  `<stream>:<shard>:<sequence>`).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urlsplit

from stratus.local.iam.actions.base import Need, Request, by_name

_REGION_IN_HOST = re.compile(r"(?:^|\.)sqs\.([a-z0-9-]+)\.|^([a-z]{2}-[a-z]+-\d)\.queue\.")
_BY_CONSUMER = frozenset({"DescribeStreamConsumer", "DeregisterStreamConsumer"})
_SQS_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def _queue_from_url(req: Request, url: str) -> str | None:
    parts = urlsplit(url if "//" in url else f"//host{url}")
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None
    account, name = segments[-2], segments[-1]
    match = _REGION_IN_HOST.search(parts.hostname or "")
    region = (match.group(1) or match.group(2)) if match else req.region
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _queue(req: Request) -> str | None:
    url = req.text("QueueUrl")
    if url:
        return _queue_from_url(req, url)
    name = req.text("QueueName")
    if name:
        owner = req.text("QueueOwnerAWSAccountId") or req.account
        return f"arn:aws:sqs:{req.region}:{owner}:{name}"
    for arn_param in ("SourceArn", "ResourceArn"):
        if req.text(arn_param):
            return req.text(arn_param)
    if req.call.protocol == "query":
        return _queue_from_url(req, req.call.request.path)
    return None


def sqs(req: Request) -> list[Need]:
    if req.operation == "ListQueues":
        return [Need("sqs:ListQueues", "*")]
    action = _SQS_ACTIONS.get(req.operation, req.operation)
    return [Need(f"sqs:{action}", _queue(req) or "*")]


def _topic(req: Request) -> str | None:
    topic = req.text("TopicArn") or req.text("ResourceArn")
    if topic:
        return topic
    subscription = req.text("SubscriptionArn")
    if subscription and subscription.count(":") >= 6:
        return subscription.rsplit(":", 1)[0]
    name = req.text("Name")
    if req.operation == "CreateTopic" and name:
        return req.arn("sns", name)
    return None


def sns(req: Request) -> list[Need]:
    op = req.operation
    if op in ("Publish", "PublishBatch"):
        topic = req.text("TopicArn")
        target = req.text("TargetArn")
        if topic is None and target and ":endpoint/" not in target:
            topic = target  # a topic ARN given as TargetArn is published to as a topic
        # A mobile endpoint (TargetArn) or a PhoneNumber names no topic: "*".
        return [Need("sns:Publish", topic or "*")]
    if op == "Subscribe":
        ctx: dict[str, str | list[str]] = {}
        for param, key in (("Protocol", "sns:Protocol"), ("Endpoint", "sns:Endpoint")):
            value = req.text(param)
            if value:
                ctx[key] = value
        return [Need("sns:Subscribe", _topic(req) or "*", ctx)]
    return [Need(f"sns:{op}", _topic(req) or "*")]


def _kinesis_iterator_stream(iterator: str) -> str | None:
    try:
        decoded = base64.b64decode(iterator.encode(), validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name = decoded.split(":", 1)[0]
    return name or None


def _stream(req: Request) -> str | None:
    consumer_arn = req.text("ConsumerARN")
    if consumer_arn:
        return consumer_arn
    stream = req.text("StreamARN") or req.text("ResourceARN")
    if stream is None:
        name = req.text("StreamName")
        if name is None and req.operation == "GetRecords":
            name = _kinesis_iterator_stream(req.text("ShardIterator") or "")
        stream = req.arn("kinesis", f"stream/{name}") if name else None
    consumer = req.text("ConsumerName")
    if stream and consumer and req.operation in _BY_CONSUMER:
        # The consumer ARN ends in its creation time, which the request does not carry.
        return f"{stream}/consumer/{consumer}:*"
    return stream


def kinesis(req: Request) -> list[Need]:
    return [Need(f"kinesis:{req.operation}", _stream(req) or "*")]


def _delivery_stream(req: Request) -> str | None:
    name = req.text("DeliveryStreamName")
    return req.arn("firehose", f"deliverystream/{name}") if name else None


MAPPERS = {
    "sqs": sqs,
    "sns": sns,
    "kinesis": kinesis,
    "firehose": by_name("firehose", {}, _delivery_stream),
}
