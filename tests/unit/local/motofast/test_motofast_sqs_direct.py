"""Direct SQS SendMessage/ReceiveMessage/DeleteMessage answers are moto's answers.

Two queues live through the same history. Each call is made twice, once per queue: moto's
own route answers the first, the direct path the second, under the same random seed and
frozen clock, so MessageIds, MD5s, receipt handles and request ids must agree exactly, and
so must what the queues hold afterwards. Calls the direct path does not cover are refused
before any draw or change, and then moto answers both.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from route_pair import CLOCK, RoutePair

from conftest import Wire
from stratus.local.core import determinism
from stratus.local.core.moto_app import MotoApp
from stratus.local.motofast import sqs_direct

SEED = 7654321
COUNTS = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


class Pair(RoutePair):
    service, resource_param = "sqs", "QueueUrl"

    def state(self, url: str) -> Any:
        return self.counts(url)

    def counts(self, url: str) -> dict[str, str]:
        status, body = self.wire.call(
            "sqs", "get_queue_attributes", QueueUrl=url, AttributeNames=COUNTS
        )
        assert status == 200
        return dict(json.loads(body)["Attributes"])


def make_pair(wire: Wire, moto: MotoApp, name: str, **attributes: str) -> Pair:
    urls = []
    suffix = ".fifo" if attributes.get("FifoQueue") == "true" else ""
    for side in ("a", "b"):
        status, body = wire.call(
            "sqs", "create_queue", QueueName=f"{name}-{side}{suffix}", Attributes=attributes
        )
        assert status == 200, body
        urls.append(json.loads(body)["QueueUrl"])
    return Pair(wire, moto, urls[0], urls[1], SEED)


@pytest.fixture
def pair(wire: Wire, moto: MotoApp, request: pytest.FixtureRequest) -> Pair:
    return make_pair(wire, moto, f"direct-{request.node.name[:40]}".replace("[", "-")[:60])


def test_send_receive_delete_are_motos(pair: Pair) -> None:
    sent = [pair("send_message", MessageBody=f'body {i} é ✓ "quoted"') for i in range(5)]
    assert all("MD5OfMessageBody" in answer for answer in sent)
    got = pair("receive_message", MaxNumberOfMessages=2)
    assert [m["Body"] for m in got["Messages"]] == ['body 0 é ✓ "quoted"', 'body 1 é ✓ "quoted"']
    for message in got["Messages"]:
        pair("delete_message", ReceiptHandle=message["ReceiptHandle"])
    pair("delete_message", ReceiptHandle=got["Messages"][0]["ReceiptHandle"])  # again: ok
    rest = pair("receive_message", MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert len(rest["Messages"]) == 3
    again = pair("receive_message", MaxNumberOfMessages=10)  # visibility 0: visible again
    assert [m["MessageId"] for m in again["Messages"]] == [m["MessageId"] for m in rest["Messages"]]
    assert pair("receive_message") == {}  # all in flight now: empty, as moto answers


def test_calls_the_direct_path_leaves_to_moto(pair: Pair) -> None:
    pair(
        "send_message",
        direct=False,
        MessageBody="with attributes",
        MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}},
    )
    pair("send_message", direct=False, MessageBody="later", DelaySeconds=5)
    pair("send_message", MessageBody="")  # moto accepts it: so does the direct path
    pair("receive_message", direct=False, AttributeNames=["All"], WaitTimeSeconds=1)
    pair("receive_message", direct=False, MaxNumberOfMessages=11)  # moto's error
    pair("receive_message", direct=False, WaitTimeSeconds=1)
    pair("delete_message", direct=False, ReceiptHandle="not-a-handle")  # moto's error


def test_fifo_sends_go_to_moto_and_receives_come_directly(wire: Wire, moto: MotoApp) -> None:
    fifo = make_pair(wire, moto, "direct-fifo", FifoQueue="true")
    fifo(
        "send_message",
        direct=False,
        MessageBody="x",
        MessageGroupId="g",
        MessageDeduplicationId="d",
    )
    got = fifo("receive_message", AttributeNames=["All"])  # a receive is answered directly
    assert set(got["Messages"][0]["Attributes"]) >= {
        "MessageGroupId",
        "MessageDeduplicationId",
        "SequenceNumber",
    }


def test_a_missing_queue_is_motos_error(wire: Wire, moto: MotoApp) -> None:
    request = wire.request(
        "sqs", "send_message", QueueUrl="http://127.0.0.1:4566/000000000000/nope", MessageBody="x"
    )
    assert moto._dispatch.answer_directly(request, moto.account_id) is None
    status, _, body = moto.call(request)
    assert status == 400 and b"QueueDoesNotExist" in body


def test_a_deep_queue_answers_directly(wire: Wire, moto: MotoApp) -> None:
    deep = make_pair(wire, moto, "direct-deep")
    for start in range(0, 300, 10):
        entries = [{"Id": str(i), "MessageBody": f"m{start + i}"} for i in range(10)]
        for url in (deep.a, deep.b):
            with determinism.context(start, CLOCK):  # the same MessageIds in both
                status, _ = wire.call("sqs", "send_message_batch", QueueUrl=url, Entries=entries)
            assert status == 200
    deep("send_message", MessageBody="tail")
    got = deep("receive_message")
    deep("delete_message", ReceiptHandle=got["Messages"][0]["ReceiptHandle"])


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40 + 3])
def test_receipt_handles_are_motos_for_the_same_seed(seed: int) -> None:
    from moto.moto_api._internal import mock_random

    original = sqs_direct.receipt_handle.__wrapped__  # type: ignore[attr-defined]
    with determinism.context(seed, CLOCK):
        ours = [sqs_direct.receipt_handle() for _ in range(3)]
    with determinism.context(seed, CLOCK):
        theirs = [original() for _ in range(3)]
    assert ours == theirs
    assert all(len(h) == 185 and h.isalpha() and h.islower() for h in ours)
    mock_random.seed(seed)
    first = sqs_direct.receipt_handle()
    mock_random.seed(seed)
    assert first == original()


def test_an_empty_body_and_a_queue_url_given_as_a_name(pair: Pair) -> None:
    pair("send_message", MessageBody="")
    got = pair("receive_message", VisibilityTimeout=5)
    assert got["Messages"][0]["Body"] == ""
    pair("delete_message", ReceiptHandle=got["Messages"][0]["ReceiptHandle"])
    pair.a, pair.b = pair.a.rsplit("/", 1)[-1], pair.b.rsplit("/", 1)[-1]
    pair("send_message", MessageBody="by name")
    assert pair("receive_message")["Messages"][0]["Body"] == "by name"


def test_a_receive_asking_for_attributes_is_motos(pair: Pair) -> None:
    """What Lambda's SQS poller asks for: every system and message attribute."""
    every = {
        "AttributeNames": ["All"],
        "MessageSystemAttributeNames": ["All"],
        "MessageAttributeNames": ["All"],
    }
    pair("send_message", MessageBody="plain")
    pair(
        "send_message",
        direct=False,
        MessageBody="with attributes",
        MessageAttributes={
            "s": {"DataType": "String", "StringValue": "v é"},
            "n": {"DataType": "Number", "StringValue": "42"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\xffbytes"},
        },
        MessageSystemAttributes={
            "AWSTraceHeader": {
                "DataType": "String",
                "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            }
        },
    )
    got = pair("receive_message", MaxNumberOfMessages=10, VisibilityTimeout=0, **every)
    plain, rich = got["Messages"]
    assert "MessageAttributes" not in plain
    assert plain["Attributes"]["ApproximateReceiveCount"] == "1"
    assert rich["MessageAttributes"]["b"]["BinaryValue"] == "AP9ieXRlcw=="  # base64
    assert rich["Attributes"]["AWSTraceHeader"].startswith("Root=1-5759e988")
    some = pair(
        "receive_message",
        MaxNumberOfMessages=10,
        VisibilityTimeout=0,
        AttributeNames=["SentTimestamp"],
        MessageSystemAttributeNames=["ApproximateReceiveCount"],
        MessageAttributeNames=["n", "missing"],
    )
    assert set(some["Messages"][1]["Attributes"]) == {"SentTimestamp", "ApproximateReceiveCount"}
    assert set(some["Messages"][1]["MessageAttributes"]) == {"n"}
    names_only = pair("receive_message", MaxNumberOfMessages=10, MessageAttributeNames=["s"])
    assert all("Attributes" not in m for m in names_only["Messages"])
    assert pair("receive_message", **every) == {}  # all in flight: empty, as moto answers


def test_a_moved_message_names_its_source_queue_on_both_routes(wire: Wire, moto: MotoApp) -> None:
    from moto.sqs.models import sqs_backends

    from stratus.local.sqs import moto_patches

    moto_patches.install()
    pair = make_pair(wire, moto, "direct-moved")
    pair("send_message", MessageBody="moved here")
    for url in (pair.a, pair.b):  # as a redrive leaves it (motofast/sqs_queue.py)
        queue = sqs_backends[moto.account_id]["us-east-1"].queues[url.rsplit("/", 1)[-1]]
        for message in queue._messages:
            message.dead_letter_source_arn = "arn:aws:sqs:us-east-1:123456789012:source"
    got = pair("receive_message", MessageSystemAttributeNames=["DeadLetterQueueSourceArn"])
    source = got["Messages"][0]["Attributes"][moto_patches.ATTRIBUTE]
    assert source == "arn:aws:sqs:us-east-1:123456789012:source"
