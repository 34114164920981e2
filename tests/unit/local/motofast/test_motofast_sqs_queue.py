"""SQS without per-message scans: the same answers as moto's, at a cost that does not grow.

Scenarios run twice on fresh queues, once with the patch and once with moto's own
definitions, and must observe the same bodies, counts, orders and errors (ids and receipt
handles are random, so they are compared by role, not value).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from motofast_wire import Wire

from stratus.local.motofast import sqs_queue


@pytest.fixture
def unpatched(swap: Any) -> Callable[[], None]:
    def restore_moto() -> None:
        for (owner, name), original in sqs_queue.ORIGINALS.items():
            swap(owner, name, original)

    return restore_moto


class Queues:
    def __init__(self, wire: Wire, prefix: str) -> None:
        self.wire = wire
        self.prefix = prefix

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        status, body = self.wire.call("sqs", operation, **params)
        answer = json.loads(body) if body else {}
        if status != 200:
            return {"error": answer.get("__type"), "status": status}
        return answer

    def create(self, name: str, **attributes: str) -> str:
        url = self("create_queue", QueueName=self.prefix + name, Attributes=attributes)
        return str(url["QueueUrl"])


def scenario(q: Queues) -> Iterator[Any]:
    """Everything a consumer does; yields what it observes."""
    dlq = q.create("dlq")
    dlq_arn = q("get_queue_attributes", QueueUrl=dlq, AttributeNames=["QueueArn"])
    url = q.create(
        "main",
        VisibilityTimeout="30",
        RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 2}
        ),
    )
    for i in range(40):
        q("send_message", QueueUrl=url, MessageBody=f"m{i}")
    q("send_message", QueueUrl=url, MessageBody="late", DelaySeconds=60)
    first = q("receive_message", QueueUrl=url, MaxNumberOfMessages=3)["Messages"]
    yield [m["Body"] for m in first]
    second = q("receive_message", QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    yield [m["Body"] for m in second]
    yield q("delete_message", QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    yield q("delete_message", QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])  # again
    yield q("delete_message", QueueUrl=url, ReceiptHandle="not-a-handle")
    yield q("change_message_visibility", QueueUrl=url, ReceiptHandle="nope", VisibilityTimeout=0)
    for m in second:  # back to visible, in queue order
        yield q(
            "change_message_visibility",
            QueueUrl=url,
            ReceiptHandle=m["ReceiptHandle"],
            VisibilityTimeout=0,
        )
    again = q("receive_message", QueueUrl=url, MaxNumberOfMessages=4)["Messages"]
    yield [m["Body"] for m in again]
    # an old handle of a message received twice still deletes it
    yield q("delete_message", QueueUrl=url, ReceiptHandle=second[0]["ReceiptHandle"])
    yield q(
        "change_message_visibility",
        QueueUrl=url,
        ReceiptHandle=first[1]["ReceiptHandle"],
        VisibilityTimeout=43_201,
    )
    yield q(
        "change_message_visibility_batch",
        QueueUrl=url,
        Entries=[
            {"Id": "a", "ReceiptHandle": first[1]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "b", "ReceiptHandle": "bad", "VisibilityTimeout": 0},
        ],
    ).get("Failed")
    # second receive of m1 (received twice now after the batch above made it visible)
    got = q(
        "receive_message", QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )
    yield [(m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in got["Messages"]]
    for m in got["Messages"]:
        q(
            "change_message_visibility",
            QueueUrl=url,
            ReceiptHandle=m["ReceiptHandle"],
            VisibilityTimeout=0,
        )
    # m1 reached maxReceiveCount=2: the next receive moves it to the dead-letter queue
    third = q("receive_message", QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    yield [m["Body"] for m in third]
    yield [
        m["Body"] for m in q("receive_message", QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    ]
    counts = q("get_queue_attributes", QueueUrl=url, AttributeNames=["All"])["Attributes"]
    yield {k: v for k, v in counts.items() if k.startswith("Approximate")}
    q("purge_queue", QueueUrl=url)
    yield q("delete_message", QueueUrl=url, ReceiptHandle=third[0]["ReceiptHandle"])
    # a delayed message is not received, nor counted as visible
    delayed = q.create("delayed")
    q("send_message", QueueUrl=delayed, MessageBody="later", DelaySeconds=60)
    q("send_message", QueueUrl=delayed, MessageBody="now")
    yield [
        m["Body"]
        for m in q("receive_message", QueueUrl=delayed, MaxNumberOfMessages=10)["Messages"]
    ]
    counts = q("get_queue_attributes", QueueUrl=delayed, AttributeNames=["All"])["Attributes"]
    yield {k: v for k, v in counts.items() if k.startswith("Approximate")}
    # FIFO: a group in flight holds back its later messages, other groups flow
    fifo = q.create("f.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    for group, body in [("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2"), ("a", "a1")]:
        q("send_message", QueueUrl=fifo, MessageBody=body, MessageGroupId=group)
    one = q("receive_message", QueueUrl=fifo, MaxNumberOfMessages=1)["Messages"]
    yield [m["Body"] for m in one]
    two = q("receive_message", QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    yield [m["Body"] for m in two]
    yield q("delete_message", QueueUrl=fifo, ReceiptHandle=one[0]["ReceiptHandle"])
    yield [
        m["Body"]
        for m in q("receive_message", QueueUrl=fifo, MaxNumberOfMessages=10).get("Messages", [])
    ]


def send_scenario(q: Queues) -> Iterator[Any]:
    """SendMessage's deduplication, explicit and content-based, single and batched."""
    plain = q.create("plain")
    explicit = q.create("explicit.fifo", FifoQueue="true", ContentBasedDeduplication="false")
    content = q.create("content.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    for body, dedup in [("e1", "d1"), ("e2", "d2"), ("e1-again", "d1"), ("e3", "d3")]:
        q(
            "send_message",
            QueueUrl=explicit,
            MessageBody=body,
            MessageGroupId="g",
            MessageDeduplicationId=dedup,
        )
    yield q("send_message", QueueUrl=explicit, MessageBody="no-id", MessageGroupId="g")
    for body in ["c1", "c2", "c1", "c3"]:
        q("send_message", QueueUrl=content, MessageBody=body, MessageGroupId=body[:1])
    entries = [
        {"Id": str(i), "MessageBody": b, "MessageGroupId": "h"}
        for i, b in enumerate(["c4", "c1", "c4"])
    ]
    yield sorted(
        e["Id"]
        for e in q("send_message_batch", QueueUrl=content, Entries=entries).get("Successful", [])
    )
    for body in ["p1", "p1"]:
        q("send_message", QueueUrl=plain, MessageBody=body)
    yield q("send_message", QueueUrl=plain, MessageBody="too-late", DelaySeconds=901)
    for url in (plain, explicit, content):
        got = q(
            "receive_message",
            QueueUrl=url,
            MaxNumberOfMessages=10,
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        yield [
            (
                m["Body"],
                m["MD5OfBody"],
                "MessageDeduplicationId" in m["Attributes"],
                len(m["Attributes"].get("SequenceNumber", "")),
            )
            for m in got
        ]


def test_send_deduplicates_as_moto_does(wire: Wire, unpatched: Callable[[], None]) -> None:
    patched = list(send_scenario(Queues(wire, "sfast-")))
    unpatched()
    original = list(send_scenario(Queues(wire, "smoto-")))
    assert patched == original
    assert [m[0] for m in patched[-1]] == ["c1", "c2", "c3", "c4"]  # duplicates dropped


def test_content_based_deduplication_reads_as_the_attributes_do(wire: Wire) -> None:
    from moto.sqs.models import sqs_backends

    q = Queues(wire, "cbd-")
    cases = [
        ("std", {}),
        ("f0.fifo", {"FifoQueue": "true"}),
        ("f1.fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "true"}),
        ("f2.fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "false"}),
    ]
    backend = sqs_backends["000000000000"]["us-east-1"]
    for name, attributes in cases:
        q.create(name, **attributes)
        queue = backend.queues["cbd-" + name]
        expected = queue.attributes.get("ContentBasedDeduplication") == "true"
        assert sqs_queue.content_based_deduplication(queue) is expected, name
    q(
        "set_queue_attributes",
        QueueUrl=q.create("f2.fifo", FifoQueue="true"),
        Attributes={"ContentBasedDeduplication": "true"},
    )
    assert sqs_queue.content_based_deduplication(backend.queues["cbd-f2.fifo"]) is True


def test_consumer_sees_what_moto_shows(wire: Wire, unpatched: Callable[[], None]) -> None:
    patched = list(scenario(Queues(wire, "fast-")))
    unpatched()
    original = list(scenario(Queues(wire, "moto-")))
    assert patched == original
    assert patched[0] == ["m0", "m1", "m2"]  # the scenario does what it says


def test_round_trip_does_not_grow_with_queue_depth(wire: Wire) -> None:
    q = Queues(wire, "depth-")

    def round_trip(url: str) -> float:
        t0 = time.perf_counter()
        q("send_message", QueueUrl=url, MessageBody="x")
        got = q("receive_message", QueueUrl=url)["Messages"][0]
        q("delete_message", QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
        return time.perf_counter() - t0

    shallow = q.create("shallow")
    deep = q.create("deep")
    for start in range(0, 3000, 10):
        entries = [{"Id": str(i), "MessageBody": f"b{start + i}"} for i in range(10)]
        q("send_message_batch", QueueUrl=deep, Entries=entries)
    # Interleaved and the fastest of each, so that a machine slowing down between the two
    # series (or a pause in one sample) is not read as growth.
    small, large = float("inf"), float("inf")
    for _ in range(15):
        small = min(small, round_trip(shallow))
        large = min(large, round_trip(deep))
    assert large < small * 3 + 0.003, (small, large)  # moto alone: ~50x slower at 3,000
