"""One trace across SQS, SNS and EventBridge (xray.propagation), hop by hop, against moto
behind the front door with a scripted Lambda.

Rules pinned here: https://docs.aws.amazon.com/xray/latest/devguide/xray-services-sqs.html
(the HTTP header becomes AWSTraceHeader; a sender's own AWSTraceHeader wins),
https://docs.aws.amazon.com/xray/latest/devguide/xray-services-sns.html (SNS passes the
trace to subscribers) and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-related-service-xray.html (an
entry's TraceHeader wins over the HTTP header; invalid headers are dropped; never in the
event).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from event_rig import Endpoint, FakeLambda, moto_endpoint, wait_for

from stratus.local.delivery.outbox import Outbox
from stratus.local.delivery.targets import Message, Targets
from stratus.local.event_sources.mappings import MappingConfig
from stratus.local.event_sources.sqs_poller import SqsPoller
from stratus.local.eventbridge.delivery import EventBridgeDelivery, RuleView
from stratus.local.eventbridge.put_events import put_events
from stratus.local.events.transform import RuleContext
from stratus.local.sns import delivery as sns_delivery
from stratus.local.xray import propagation
from stratus.local.xray.recorder import INCOMING

pytestmark = pytest.mark.anyio
ACCOUNT = "000000000000"
ROOT = "1-5759e988-bd862e3fe1be46a994272793"
HEADER = f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"
OTHER = "Root=1-5759e988-000000000000000000000001;Parent=1111111111111111;Sampled=1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    from moto.sns.models import Subscription

    original = Subscription.publish
    with moto_endpoint() as found:
        found.hooks.add(propagation.hooks())
        propagation.install_sqs()
        yield found
    Subscription.publish = original  # type: ignore[method-assign]


def traced(client: Any, header: str) -> Any:
    """`client` sends `X-Amzn-Trace-Id: header` on every call, as an instrumented SDK does."""

    def add(request: Any, **_: Any) -> None:
        request.headers["X-Amzn-Trace-Id"] = header

    client.meta.events.register("before-sign.*.*", add)
    return client


def new_queue(endpoint: Endpoint) -> tuple[Any, str, str]:
    sqs = endpoint.clients()("sqs")
    name = f"q-{uuid.uuid4().hex[:10]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return sqs, url, f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"


def trace_headers(sqs: Any, url: str) -> list[str | None]:
    answer = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["AWSTraceHeader"]
    )
    return [m.get("Attributes", {}).get("AWSTraceHeader") for m in answer.get("Messages", [])]


# -- pure rules -----------------------------------------------------------------------
def test_valid_keeps_a_good_header_and_drops_a_bad_one() -> None:
    assert propagation.valid(HEADER) == HEADER
    assert propagation.valid("Root=nope;Sampled=1") is None
    assert propagation.valid(None) is None and propagation.valid(42) is None


def test_with_trace_adds_the_callers_header_unless_the_sender_set_one() -> None:
    token = propagation.CALLER.set(HEADER)
    try:
        added = propagation.with_trace(None)
        assert added == {"AWSTraceHeader": {"DataType": "String", "StringValue": HEADER}}
        own = {"AWSTraceHeader": {"DataType": "String", "StringValue": OTHER}}
        assert propagation.with_trace(own) == own
    finally:
        propagation.CALLER.reset(token)
    assert propagation.with_trace(None) is None  # no caller trace: nothing added


def test_a_batch_continues_the_first_record_that_carries_a_trace() -> None:
    records: list[dict[str, Any]] = [
        {"attributes": {}},
        {"attributes": {"AWSTraceHeader": "garbage"}},
        {"attributes": {"AWSTraceHeader": HEADER}},
        {"attributes": {"AWSTraceHeader": OTHER}},
    ]
    assert propagation.batch_trace(records) == HEADER
    assert propagation.batch_trace([{"attributes": {}}]) is None


def test_continuing_sets_the_incoming_trace_only_inside() -> None:
    assert INCOMING.get() is None
    with propagation.continuing(HEADER):
        incoming = INCOMING.get()
        assert incoming is not None and incoming.root == ROOT and incoming.sampled is True
    assert INCOMING.get() is None
    with propagation.continuing(None):
        assert INCOMING.get() is None


def test_put_events_entry_trace_header_wins_and_bad_ones_fall_back() -> None:
    entry = {"Source": "s", "DetailType": "d", "Detail": "{}"}
    result = put_events(
        {
            "Entries": [
                {**entry, "TraceHeader": OTHER},
                {**entry, "TraceHeader": "not a header"},
                entry,
            ]
        },
        account=ACCOUNT,
        region="us-east-1",
        trace_header=HEADER,
    )
    assert [a.trace_header for a in result.accepted] == [OTHER, HEADER, HEADER]
    assert all("TraceHeader" not in json.dumps(a.event) for a in result.accepted)


# -- SQS ------------------------------------------------------------------------------
def test_send_message_keeps_the_http_trace_header_as_aws_trace_header(
    endpoint: Endpoint,
) -> None:
    sqs, url, _ = new_queue(endpoint)
    traced(sqs, HEADER).send_message(QueueUrl=url, MessageBody="a")
    traced(endpoint.clients()("sqs"), HEADER).send_message(
        QueueUrl=url,
        MessageBody="b",
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": OTHER}},
    )
    endpoint.clients()("sqs").send_message(QueueUrl=url, MessageBody="untraced")
    assert sorted(trace_headers(sqs, url), key=str) == sorted([HEADER, OTHER, None], key=str)


def test_send_message_batch_traces_every_message(endpoint: Endpoint) -> None:
    sqs, url, _ = new_queue(endpoint)
    traced(sqs, HEADER).send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)]
    )
    assert trace_headers(endpoint.clients()("sqs"), url) == [HEADER] * 3


def test_a_batch_entrys_own_trace_header_wins(endpoint: Endpoint) -> None:
    sqs, url, _ = new_queue(endpoint)
    own = {"AWSTraceHeader": {"DataType": "String", "StringValue": OTHER}}
    traced(sqs, HEADER).send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": "a", "MessageSystemAttributes": own},
            {"Id": "b", "MessageBody": "b"},
        ],
    )
    endpoint.clients()("sqs").send_message_batch(
        QueueUrl=url, Entries=[{"Id": "c", "MessageBody": "c", "MessageSystemAttributes": own}]
    )
    assert sorted(trace_headers(sqs, url), key=str) == sorted([OTHER, HEADER, OTHER], key=str)


async def test_the_sqs_poller_invocation_continues_the_messages_trace(
    endpoint: Endpoint,
) -> None:
    sqs, url, arn = new_queue(endpoint)
    seen: list[str | None] = []

    def respond(event: dict[str, Any]) -> None:
        incoming = INCOMING.get()
        seen.append(incoming.render() if incoming else None)

    lambdas = FakeLambda(respond=respond)
    mapping = MappingConfig(
        uuid=str(uuid.uuid4()),
        function="worker",
        source_arn=arn,
        kind="sqs",
        batch_size=10,
        window_seconds=0.0,
    )
    poller = SqsPoller(mapping, sqs=endpoint.caller("sqs"), queue_url=url, lambdas=lambdas)
    task = asyncio.create_task(poller.run())
    try:
        await asyncio.to_thread(traced(sqs, HEADER).send_message, QueueUrl=url, MessageBody="x")
        await wait_for(lambda: bool(lambdas.calls))
        (record,) = lambdas.calls[0].records
        assert record["attributes"]["AWSTraceHeader"] == HEADER
        assert seen == [HEADER]
    finally:
        task.cancel()
        await poller.aclose()
        await asyncio.gather(task, return_exceptions=True)
    assert INCOMING.get() is None


# -- SNS ------------------------------------------------------------------------------
@pytest.fixture
async def sns(endpoint: Endpoint) -> AsyncIterator[tuple[Outbox, list[str | None]]]:
    seen: list[str | None] = []

    def respond(event: dict[str, Any]) -> None:
        incoming = INCOMING.get()
        seen.append(incoming.render() if incoming else None)

    outbox = Outbox()
    outbox.bind(asyncio.get_running_loop())
    targets = Targets(
        lambda region: endpoint.clients(),
        FakeLambda(respond=respond),
        endpoint=endpoint.url,
        local=endpoint.door.answer,
    )
    sns_delivery.install(sns_delivery.SnsDelivery(outbox, targets))
    yield outbox, seen
    await outbox.drain()


async def test_sns_passes_the_publishers_trace_to_sqs_and_lambda(
    endpoint: Endpoint, sns: tuple[Outbox, list[str | None]]
) -> None:
    outbox, seen = sns
    aws = endpoint.clients()
    topic = aws("sns").create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sqs, url, arn = new_queue(endpoint)
    aws("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:subscriber"
    aws("sns").subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function)
    publisher = traced(endpoint.clients()("sns"), HEADER)
    await asyncio.to_thread(publisher.publish, TopicArn=topic, Message="hi")
    await wait_for(lambda: outbox.idle and bool(seen), timeout=10)
    assert seen == [HEADER]
    assert trace_headers(sqs, url) == [HEADER]

    seen.clear()  # an untraced publish passes no trace on
    await asyncio.to_thread(aws("sns").publish, TopicArn=topic, Message="plain")
    await wait_for(lambda: outbox.idle and bool(seen), timeout=10)
    assert seen == [None]
    assert trace_headers(sqs, url) == [None]


# -- EventBridge ----------------------------------------------------------------------
class RecordingTargets:
    """A `Targets` stand-in that keeps what it was asked to send."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, Message]] = []
        self.fail = fail

    async def send(self, arn: str, message: Message) -> None:
        self.sent.append((arn, message))
        if self.fail and not arn.startswith("arn:aws:sqs"):
            raise RuntimeError("target down")


def rule(targets: list[dict[str, Any]]) -> RuleView:
    return RuleView(
        name="r",
        arn=f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r",
        bus="default",
        region="us-east-1",
        enabled=True,
        pattern=json.dumps({"source": ["s"]}),
        schedule=None,
        targets=tuple(targets),
    )


async def test_eventbridge_targets_and_their_dlq_get_the_trace_beside_the_event() -> None:
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
    dlq = f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"
    targets = RecordingTargets(fail=True)
    delivery = EventBridgeDelivery(Outbox(), targets, account=ACCOUNT)  # type: ignore[arg-type]
    target = {
        "Id": "1",
        "Arn": function,
        "RetryPolicy": {"MaximumRetryAttempts": 0},
        "DeadLetterConfig": {"Arn": dlq},
    }
    event = {"id": "e1", "source": "s", "detail-type": "d", "detail": {}}
    context = RuleContext("arn", "r", datetime.now(UTC).isoformat())
    await delivery.deliver(rule([target]), target, event, context, 0.0, HEADER)
    assert [(arn, m.trace_header) for arn, m in targets.sent] == [(function, HEADER), (dlq, HEADER)]
    assert "Root=" not in targets.sent[0][1].body  # not inside the event


async def test_targets_send_the_trace_to_sqs_and_lambda(endpoint: Endpoint) -> None:
    seen: list[str | None] = []

    def respond(event: dict[str, Any]) -> None:
        incoming = INCOMING.get()
        seen.append(incoming.render() if incoming else None)

    targets = Targets(
        lambda region: endpoint.clients(),
        FakeLambda(respond=respond),
        endpoint=endpoint.url,
        local=endpoint.door.answer,
    )
    sqs, url, arn = new_queue(endpoint)
    await targets.send(arn, Message(body="{}", trace_header=HEADER))
    await targets.send(
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", Message("{}", trace_header=HEADER)
    )
    assert trace_headers(sqs, url) == [HEADER]
    assert seen == [HEADER] and INCOMING.get() is None


async def test_a_delivery_to_a_topic_carries_the_trace_to_its_subscribers(
    endpoint: Endpoint, sns: tuple[Outbox, list[str | None]]
) -> None:
    outbox, _ = sns
    aws = endpoint.clients()
    topic = aws("sns").create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sqs, url, arn = new_queue(endpoint)
    aws("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    targets = Targets(lambda region: endpoint.clients(), FakeLambda(), endpoint=endpoint.url)
    await targets.send(topic, Message(body="from a rule", trace_header=HEADER))
    await targets.send(topic, Message(body="untraced"))
    await wait_for(lambda: outbox.idle, timeout=10)
    assert sorted(trace_headers(sqs, url), key=str) == sorted([HEADER, None], key=str)
