"""DLQ redrive over moto: messages move oldest first with body and attributes, and a send
that fails mid-way loses nothing (what was sent is deleted, the rest stays in the DLQ,
visible again at once)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from stratus.local.sqs import peek, redrive


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


class FailingSends:
    """An SQS client whose `fail_at`-th SendMessage (1-based) is refused."""

    def __init__(self, sqs: Any, fail_at: int) -> None:
        self._sqs = sqs
        self.fail_at = fail_at
        self.sends = 0

    def send_message(self, **kwargs: Any) -> Any:
        self.sends += 1
        if self.sends == self.fail_at:
            raise ClientError(
                {"Error": {"Code": "KMS.ThrottlingException", "Message": "slow down"}},
                "SendMessage",
            )
        return self._sqs.send_message(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)


def _bodies(sqs: Any, url: str) -> list[str]:
    out: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        out.extend(m["Body"] for m in got)


def _count(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_moves_every_message_with_its_attributes(sqs: Any) -> None:
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    source = sqs.create_queue(QueueName="source")["QueueUrl"]
    for n in range(25):
        sqs.send_message(
            QueueUrl=dlq,
            MessageBody=f"m{n}",
            MessageAttributes={"n": {"DataType": "Number", "StringValue": str(n)}},
        )
    result = redrive.move_messages(sqs, dlq, source)
    assert (result.moved, result.left, result.errors) == (25, 0, [])
    assert _count(sqs, dlq) == 0
    got = sqs.receive_message(QueueUrl=source, MessageAttributeNames=["All"])["Messages"][0]
    assert got["Body"] == "m0"  # oldest first
    assert got["MessageAttributes"]["n"] == {"DataType": "Number", "StringValue": "0"}


def test_failed_send_midway_loses_nothing(sqs: Any) -> None:
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    source = sqs.create_queue(QueueName="source")["QueueUrl"]
    for n in range(15):
        sqs.send_message(QueueUrl=dlq, MessageBody=f"m{n}")
    result = redrive.move_messages(FailingSends(sqs, fail_at=13), dlq, source)
    assert result.moved == 12
    assert result.left == 3
    assert result.errors == ["KMS.ThrottlingException: slow down"]
    assert "Stopped" in result.summary()
    # What was not sent is back in the DLQ and visible now; nothing is in both or neither.
    assert sorted(_bodies(sqs, dlq)) == ["m12", "m13", "m14"]
    assert sorted(_bodies(sqs, source)) == sorted(f"m{n}" for n in range(12))


def test_moves_only_what_the_dlq_held_at_the_start(sqs: Any) -> None:
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    source = sqs.create_queue(QueueName="source")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody="a")
    result = redrive.move_messages(sqs, dlq, source, limit=0)
    assert result.moved == 0 and _count(sqs, dlq) == 1


def test_fifo_keeps_its_group_and_type_must_match(sqs: Any) -> None:
    attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    dlq = sqs.create_queue(QueueName="dlq.fifo", Attributes=attrs)["QueueUrl"]
    source = sqs.create_queue(QueueName="source.fifo", Attributes=attrs)["QueueUrl"]
    standard = sqs.create_queue(QueueName="standard")["QueueUrl"]
    sqs.send_message(
        QueueUrl=dlq, MessageBody="x", MessageGroupId="g1", MessageDeduplicationId="d1"
    )
    with pytest.raises(redrive.RedriveError):
        redrive.move_messages(sqs, dlq, standard)
    assert redrive.move_messages(sqs, dlq, source).moved == 1
    got = sqs.receive_message(QueueUrl=source, MessageSystemAttributeNames=["All"])["Messages"]
    assert got[0]["Attributes"]["MessageGroupId"] == "g1"


def test_peek_changes_nothing(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    for n in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    first = peek.peek("123456789012", "us-east-1", "q", offset=1, limit=2)
    again = peek.peek("123456789012", "us-east-1", "q", offset=1, limit=2)
    assert first.total == 5
    assert [m.body for m in first.messages] == ["m1", "m2"]
    assert [m.receive_count for m in again.messages] == [0, 0]
    assert {m.state for m in again.messages} == {"visible"}
    with pytest.raises(peek.QueueNotFound):
        peek.peek("123456789012", "us-east-1", "missing")
