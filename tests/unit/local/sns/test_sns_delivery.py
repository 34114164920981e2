"""SNS delivery through moto's Publish: to SQS (envelope or raw), Lambda, HTTP (a loopback
test server), subscription DLQs, filter policies and MessageStructure=json.

Rules pinned here: https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
(envelope, HTTP headers), https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html
(raw delivery; attributes become SQS message attributes),
https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html (Lambda event, asynchronous invoke),
https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html (a status outside
200-4xx is a failure, retried), https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
and https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (MessageStructure=json).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from event_rig import Endpoint, FakeLambda, moto_endpoint, wait_for
from moto_harness import serve
from starlette.requests import Request
from starlette.responses import Response

from stratus.local.delivery.outbox import Outbox
from stratus.local.delivery.targets import Targets
from stratus.local.sns import delivery as sns_delivery

pytestmark = pytest.mark.anyio
ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    from moto.sns.models import Subscription

    original = Subscription.publish
    with moto_endpoint() as found:
        yield found
    Subscription.publish = original  # type: ignore[method-assign]


@dataclass
class HttpReceiver:
    """A loopback HTTP endpoint answering with `statuses` in turn (then 200)."""

    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        self.requests.append((dict(request.headers), await request.body()))
        status = self.statuses.pop(0) if self.statuses else 200
        await Response(b"", status_code=status)(scope, receive, send)


@dataclass
class Sns:
    aws: Any
    outbox: Outbox
    lambdas: FakeLambda

    def topic(self) -> str:
        return str(self.aws("sns").create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"])

    def queue(self) -> tuple[str, str]:
        name = f"q-{uuid.uuid4().hex[:8]}"
        url = self.aws("sqs").create_queue(QueueName=name)["QueueUrl"]
        return url, f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"

    def subscribe(self, topic: str, protocol: str, endpoint: str, **attributes: str) -> str:
        answer = self.aws("sns").subscribe(
            TopicArn=topic,
            Protocol=protocol,
            Endpoint=endpoint,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )
        return str(answer["SubscriptionArn"])

    def received(self, url: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = (
            self.aws("sqs")
            .receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
            .get("Messages", [])
        )
        return messages

    async def delivered(self) -> None:
        await wait_for(lambda: self.outbox.idle, timeout=10)


@pytest.fixture
async def sns(endpoint: Endpoint) -> AsyncIterator[Sns]:
    outbox, lambdas = Outbox(), FakeLambda()
    outbox.bind(asyncio.get_running_loop())
    targets = Targets(
        lambda region: endpoint.clients(),
        lambdas,
        endpoint=endpoint.url,
        local=endpoint.door.answer,
    )
    sns_delivery.install(sns_delivery.SnsDelivery(outbox, targets))
    yield Sns(endpoint.clients(), outbox, lambdas)
    await outbox.drain()


ATTRIBUTES = {
    "kind": {"DataType": "String", "StringValue": "order"},
    "count": {"DataType": "Number", "StringValue": "3"},
}


async def test_sqs_gets_the_envelope_with_the_attributes_in_it(sns: Sns) -> None:
    topic = sns.topic()
    url, arn = sns.queue()
    subscription = sns.subscribe(topic, "sqs", arn)
    sns.aws("sns").publish(TopicArn=topic, Message="hi", Subject="S", MessageAttributes=ATTRIBUTES)
    await sns.delivered()
    (message,) = sns.received(url)
    envelope = json.loads(message["Body"])
    assert envelope["Type"] == "Notification" and envelope["Message"] == "hi"
    assert envelope["TopicArn"] == topic and envelope["Subject"] == "S"
    assert envelope["MessageAttributes"] == {
        "kind": {"Type": "String", "Value": "order"},
        "count": {"Type": "Number", "Value": "3"},
    }
    assert subscription in envelope["UnsubscribeURL"]
    assert "MessageAttributes" not in message  # the attributes travel inside the envelope


async def test_raw_delivery_sends_the_message_itself_with_sqs_attributes(sns: Sns) -> None:
    topic = sns.topic()
    url, arn = sns.queue()
    sns.subscribe(topic, "sqs", arn, RawMessageDelivery="true")
    sns.aws("sns").publish(TopicArn=topic, Message="just this", MessageAttributes=ATTRIBUTES)
    await sns.delivered()
    (message,) = sns.received(url)
    assert message["Body"] == "just this"
    assert message["MessageAttributes"] == {
        "kind": {"DataType": "String", "StringValue": "order"},
        "count": {"DataType": "Number", "StringValue": "3"},
    }


async def test_lambda_gets_the_sns_event_asynchronously(sns: Sns) -> None:
    topic = sns.topic()
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:reader"
    subscription = sns.subscribe(topic, "lambda", function)
    sns.aws("sns").publish(TopicArn=topic, Message="hello", MessageAttributes=ATTRIBUTES)
    await sns.delivered()
    (call,) = sns.lambdas.calls
    assert call.function == function and call.invocation_type == "Event"
    (record,) = call.records
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == subscription
    assert record["Sns"]["Message"] == "hello" and record["Sns"]["Subject"] is None
    assert record["Sns"]["MessageAttributes"]["kind"] == {"Type": "String", "Value": "order"}
    assert "SigningCertUrl" in record["Sns"] and "UnsubscribeUrl" in record["Sns"]


async def test_http_gets_a_post_of_the_envelope_with_snss_headers(sns: Sns) -> None:
    receiver = HttpReceiver()
    topic = sns.topic()
    with serve(receiver) as base:
        subscription = sns.subscribe(topic, "http", f"{base}/hook")
        sns.aws("sns").publish(TopicArn=topic, Message="posted")
        await sns.delivered()
    ((headers, body),) = receiver.requests
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-subscription-arn"] == subscription
    assert headers["content-type"].startswith("text/plain")
    envelope = json.loads(body)
    assert headers["x-amz-sns-message-id"] == envelope["MessageId"]
    assert envelope["Message"] == "posted"


async def test_an_http_4xx_is_not_retried(sns: Sns) -> None:
    receiver = HttpReceiver(statuses=[404])
    topic = sns.topic()
    with serve(receiver) as base:
        sns.subscribe(topic, "http", f"{base}/gone")
        sns.aws("sns").publish(TopicArn=topic, Message="once")
        await sns.delivered()
    assert len(receiver.requests) == 1


async def test_an_http_5xx_is_retried_then_succeeds(sns: Sns) -> None:
    receiver = HttpReceiver(statuses=[500, 503])
    topic = sns.topic()
    with serve(receiver) as base:
        sns.subscribe(topic, "http", f"{base}/flaky")
        sns.aws("sns").publish(TopicArn=topic, Message="eventually")
        await sns.delivered()
    assert len(receiver.requests) == 3
    assert sns.outbox.failed == 0


async def test_an_undeliverable_message_goes_to_the_subscription_dlq(sns: Sns) -> None:
    receiver = HttpReceiver(statuses=[500] * 10)
    topic = sns.topic()
    dlq_url, dlq_arn = sns.queue()
    with serve(receiver) as base:
        sns.subscribe(
            topic,
            "http",
            f"{base}/down",
            RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn}),
        )
        sns.aws("sns").publish(TopicArn=topic, Message="lost?", MessageAttributes=ATTRIBUTES)
        await sns.delivered()
    assert len(receiver.requests) == 4  # the first attempt and SNS's three default retries
    (dead,) = sns.received(dlq_url)
    assert json.loads(dead["Body"])["Message"] == "lost?"
    assert dead["MessageAttributes"]["TopicArn"]["StringValue"] == topic
    assert "ErrorMessage" in dead["MessageAttributes"]


async def test_a_failed_lambda_subscription_goes_to_its_dlq(sns: Sns) -> None:
    sns.lambdas.respond = lambda event: LookupError("Function not found")
    topic = sns.topic()
    dlq_url, dlq_arn = sns.queue()
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:missing"
    sns.subscribe(
        topic, "lambda", function, RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn})
    )
    sns.aws("sns").publish(TopicArn=topic, Message="to a missing function")
    await sns.delivered()
    (dead,) = sns.received(dlq_url)
    assert json.loads(dead["Body"])["Message"] == "to a missing function"


async def test_a_filter_policy_on_attributes_selects_messages(sns: Sns) -> None:
    topic = sns.topic()
    url, arn = sns.queue()
    sns.subscribe(topic, "sqs", arn, FilterPolicy=json.dumps({"kind": ["order"]}))
    for kind in ("other", "order"):
        sns.aws("sns").publish(
            TopicArn=topic,
            Message=kind,
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
    await sns.delivered()
    assert [json.loads(m["Body"])["Message"] for m in sns.received(url)] == ["order"]


async def test_a_filter_policy_on_the_body_selects_messages(sns: Sns) -> None:
    topic = sns.topic()
    url, arn = sns.queue()
    sns.subscribe(
        topic,
        "sqs",
        arn,
        FilterPolicy=json.dumps({"order": {"total": [{"numeric": [">", 100]}]}}),
        FilterPolicyScope="MessageBody",
        RawMessageDelivery="true",
    )
    for total in (50, 150):
        sns.aws("sns").publish(TopicArn=topic, Message=json.dumps({"order": {"total": total}}))
    sns.aws("sns").publish(TopicArn=topic, Message="not json")
    await sns.delivered()
    assert [json.loads(m["Body"]) for m in sns.received(url)] == [{"order": {"total": 150}}]


async def test_an_invalid_filter_policy_is_refused_when_subscribing(sns: Sns) -> None:
    """subscription-filter-policy-constraints.html: SNS validates the policy on Subscribe /
    SetSubscriptionAttributes (InvalidParameter); a subscription never holds an invalid one."""
    topic = sns.topic()
    _, arn = sns.queue()
    client = sns.aws("sns")
    with pytest.raises(client.exceptions.InvalidParameterException):
        sns.subscribe(topic, "sqs", arn, FilterPolicy=json.dumps({"kind": "order"}))
    subscription = sns.subscribe(topic, "sqs", arn)
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.set_subscription_attributes(
            SubscriptionArn=subscription,
            AttributeName="FilterPolicy",
            AttributeValue=json.dumps({"a": [{"numeric": [">", "x"]}]}),
        )
    with pytest.raises(client.exceptions.InvalidParameterException):  # SNS: within ±10^9
        sns.subscribe(topic, "sqs", arn, FilterPolicy=json.dumps({"a": [{"numeric": [">", 1e10]}]}))


async def test_a_cidr_filter_policy_is_accepted_and_matches(sns: Sns) -> None:
    """sns-subscription-filter-policies.html: IP address matching with "cidr"."""
    topic = sns.topic()
    url, arn = sns.queue()
    sns.subscribe(topic, "sqs", arn, FilterPolicy=json.dumps({"ip": [{"cidr": "10.0.0.0/24"}]}))
    for ip in ("10.0.0.7", "10.0.1.7"):
        sns.aws("sns").publish(
            TopicArn=topic,
            Message=ip,
            MessageAttributes={"ip": {"DataType": "String", "StringValue": ip}},
        )
    await sns.delivered()
    assert [json.loads(m["Body"])["Message"] for m in sns.received(url)] == ["10.0.0.7"]


async def test_message_structure_json_sends_each_protocol_its_message(sns: Sns) -> None:
    receiver = HttpReceiver()
    topic = sns.topic()
    url, arn = sns.queue()
    sns.subscribe(topic, "sqs", arn)
    sns.subscribe(topic, "lambda", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f")
    with serve(receiver) as base:
        sns.subscribe(topic, "http", f"{base}/h")
        sns.aws("sns").publish(
            TopicArn=topic,
            MessageStructure="json",
            Message=json.dumps({"default": "for all", "sqs": "for sqs", "lambda": "for lambda"}),
        )
        await sns.delivered()
    assert json.loads(sns.received(url)[0]["Body"])["Message"] == "for sqs"
    assert sns.lambdas.calls[0].records[0]["Sns"]["Message"] == "for lambda"
    assert json.loads(receiver.requests[0][1])["Message"] == "for all"


async def test_message_structure_json_without_default_is_refused(sns: Sns) -> None:
    """API_Publish.html: with MessageStructure=json the message must hold a "default" key."""
    topic = sns.topic()
    client = sns.aws("sns")
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"sqs": "only"}))
