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
    pair("receive_message", direct=False, AttributeNames=["All"])
    pair("receive_message", direct=False, MessageAttributeNames=["All"])
    pair("receive_message", direct=False, MaxNumberOfMessages=11)  # moto's error
    pair("receive_message", direct=False, WaitTimeSeconds=1)
    pair("delete_message", direct=False, ReceiptHandle="not-a-handle")  # moto's error


def test_fifo_queues_are_left_to_moto(wire: Wire, moto: MotoApp) -> None:
    fifo = make_pair(wire, moto, "direct-fifo", FifoQueue="true")
    fifo(
        "send_message",
        direct=False,
        MessageBody="x",
        MessageGroupId="g",
        MessageDeduplicationId="d",
    )


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
