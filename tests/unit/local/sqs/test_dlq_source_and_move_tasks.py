"""Dead-lettered messages remember their source queue (ReceiveMessage's
DeadLetterQueueSourceArn), a redrive without a destination sends each message back to its
own source, and the message move task API (Start/List/CancelMessageMoveTask) runs such a
redrive asynchronously with AWS's rules."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.motofast import sqs_queue
from stratus.local.sqs import moto_patches, redrive
from stratus.local.sqs.move_tasks import MoveTasks

REGION = "us-east-1"


@pytest.fixture
def sqs() -> Iterator[Any]:
    sqs_queue.install()
    moto_patches.install()
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def _arn(sqs: Any, url: str) -> str:
    return str(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
    )


def _dlq_with_sources(sqs: Any, *names: str) -> tuple[str, dict[str, str]]:
    dlq = sqs.create_queue(QueueName="shared-dlq")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 1})
    sources = {
        name: sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
        for name in names
    }
    return dlq, sources


def _dead_letter(sqs: Any, url: str, body: str) -> None:
    """One message that fails once: the next receive moves it to the DLQ."""
    sqs.send_message(QueueUrl=url, MessageBody=body)
    assert sqs.receive_message(QueueUrl=url, VisibilityTimeout=0).get("Messages")
    assert not sqs.receive_message(QueueUrl=url).get("Messages")


def _bodies(sqs: Any, url: str) -> list[str]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return sorted(m["Body"] for m in got)


def test_a_dead_lettered_message_names_its_source_when_asked(sqs: Any) -> None:
    dlq, sources = _dlq_with_sources(sqs, "orders")
    _dead_letter(sqs, sources["orders"], "poison")
    asked = sqs.receive_message(
        QueueUrl=dlq, MessageSystemAttributeNames=["DeadLetterQueueSourceArn"], VisibilityTimeout=0
    )["Messages"][0]
    everything = sqs.receive_message(
        QueueUrl=dlq, MessageSystemAttributeNames=["All"], VisibilityTimeout=0
    )["Messages"][0]
    plain = sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0)["Messages"][0]
    assert asked["Attributes"]["DeadLetterQueueSourceArn"] == _arn(sqs, sources["orders"])
    assert everything["Attributes"]["DeadLetterQueueSourceArn"] == _arn(sqs, sources["orders"])
    assert "Attributes" not in plain


def test_redrive_without_destination_returns_each_message_to_its_source(sqs: Any) -> None:
    dlq, sources = _dlq_with_sources(sqs, "a", "b")
    _dead_letter(sqs, sources["a"], "from-a")
    _dead_letter(sqs, sources["b"], "from-b")
    result = redrive.move_messages(sqs, dlq, None)
    assert (result.moved, result.errors) == (2, [])
    assert _bodies(sqs, sources["a"]) == ["from-a"]
    assert _bodies(sqs, sources["b"]) == ["from-b"]


def test_a_message_sent_to_the_dlq_directly_stays_when_its_source_is_ambiguous(
    sqs: Any,
) -> None:
    dlq, _ = _dlq_with_sources(sqs, "a", "b")
    sqs.send_message(QueueUrl=dlq, MessageBody="orphan")
    result = redrive.move_messages(sqs, dlq, None)
    assert result.moved == 0
    assert "no source queue recorded" in result.errors[0]
    assert _bodies(sqs, dlq) == ["orphan"]  # put back, visible at once


class _Api:
    """The three operations through MoveTasks' hooks, answers parsed as boto3 would."""

    def __init__(self, sqs: Any) -> None:
        self.tasks = MoveTasks(lambda region: sqs)
        self.hooks = {h.operation: h.before for h in self.tasks.hooks()}
        self.loop = asyncio.new_event_loop()

    def call(self, operation: str, **params: Any) -> tuple[int, dict[str, Any]]:
        request = AwsRequest(
            "POST",
            "/",
            "/",
            "",
            {"x-amz-target": f"AmazonSQS.{operation}"},
            json.dumps(params).encode(),
        )
        hook = self.hooks[operation]
        assert hook is not None
        response = self.loop.run_until_complete(
            hook(AwsCall(request=request, service="sqs", operation=operation))
        )
        assert isinstance(response, Response)
        return response.status_code, json.loads(bytes(response.body))

    def settle(self, source_arn: str) -> dict[str, Any]:
        """The newest task once it stopped running."""
        for _ in range(200):
            self.loop.run_until_complete(asyncio.sleep(0.02))
            _, listed = self.call("ListMessageMoveTasks", SourceArn=source_arn)
            if listed["Results"][0]["Status"] not in ("RUNNING", "CANCELLING"):
                return dict(listed["Results"][0])
        raise AssertionError("the task never finished")

    def close(self) -> None:
        self.loop.run_until_complete(self.tasks.aclose())
        self.loop.close()


def test_start_message_move_task_redrives_to_the_sources(sqs: Any) -> None:
    dlq, sources = _dlq_with_sources(sqs, "a", "b")
    for n in range(3):
        _dead_letter(sqs, sources["a"], f"a{n}")
    _dead_letter(sqs, sources["b"], "b0")
    api = _Api(sqs)
    try:
        status, started = api.call("StartMessageMoveTask", SourceArn=_arn(sqs, dlq))
        assert status == 200 and started["TaskHandle"]
        done = api.settle(_arn(sqs, dlq))
    finally:
        api.close()
    assert done["Status"] == "COMPLETED"
    assert done["ApproximateNumberOfMessagesMoved"] == 4
    assert done["ApproximateNumberOfMessagesToMove"] == 4
    assert "TaskHandle" not in done  # only while RUNNING
    assert _bodies(sqs, sources["a"]) == ["a0", "a1", "a2"]
    assert _bodies(sqs, sources["b"]) == ["b0"]


def test_move_task_to_a_named_destination_at_a_bounded_rate(sqs: Any) -> None:
    dlq, sources = _dlq_with_sources(sqs, "a")
    elsewhere = sqs.create_queue(QueueName="elsewhere")["QueueUrl"]
    for n in range(4):
        _dead_letter(sqs, sources["a"], f"m{n}")
    api = _Api(sqs)
    began = time.monotonic()
    try:
        api.call(
            "StartMessageMoveTask",
            SourceArn=_arn(sqs, dlq),
            DestinationArn=_arn(sqs, elsewhere),
            MaxNumberOfMessagesPerSecond=2,
        )
        done = api.settle(_arn(sqs, dlq))
    finally:
        api.close()
    assert done["Status"] == "COMPLETED" and done["MaxNumberOfMessagesPerSecond"] == 2
    assert done["DestinationArn"] == _arn(sqs, elsewhere)
    assert time.monotonic() - began >= 1.0  # 4 messages at 2 a second: the last at 1.5 s
    assert _bodies(sqs, elsewhere) == ["m0", "m1", "m2", "m3"]


def test_move_task_refusals_follow_aws(sqs: Any) -> None:
    dlq, sources = _dlq_with_sources(sqs, "a")
    _dead_letter(sqs, sources["a"], "x")
    api = _Api(sqs)
    try:
        not_dlq = api.call("StartMessageMoveTask", SourceArn=_arn(sqs, sources["a"]))
        missing = api.call(
            "StartMessageMoveTask", SourceArn=f"arn:aws:sqs:{REGION}:123456789012:nope"
        )
        bad_arn = api.call("StartMessageMoveTask", SourceArn="queue-a")
        too_fast = api.call(
            "StartMessageMoveTask", SourceArn=_arn(sqs, dlq), MaxNumberOfMessagesPerSecond=501
        )
        no_source = api.call("StartMessageMoveTask")
        unknown_cancel = api.call("CancelMessageMoveTask", TaskHandle="bm9wZQ==")
        bad_page = api.call("ListMessageMoveTasks", SourceArn=_arn(sqs, dlq), MaxResults=11)
    finally:
        api.close()
    assert not_dlq[0] == 400 and not_dlq[1]["__type"] == "UnsupportedOperation"
    assert missing[0] == 400 and missing[1]["__type"] == "ResourceNotFoundException"
    assert bad_arn[1]["__type"] == "ResourceNotFoundException"
    assert too_fast[1]["__type"] == "InvalidParameterValue"
    assert no_source[1]["__type"] == "MissingParameter"
    assert unknown_cancel[1]["__type"] == "ResourceNotFoundException"
    assert bad_page[1]["__type"] == "InvalidParameterValue"


def test_one_active_task_per_queue_and_cancel_keeps_what_moved(sqs: Any) -> None:
    dlq, sources = _dlq_with_sources(sqs, "a")
    for n in range(6):
        _dead_letter(sqs, sources["a"], f"m{n}")
    api = _Api(sqs)
    source_arn = _arn(sqs, dlq)
    try:
        _, started = api.call(
            "StartMessageMoveTask", SourceArn=source_arn, MaxNumberOfMessagesPerSecond=1
        )
        second = api.call("StartMessageMoveTask", SourceArn=source_arn)
        api.loop.run_until_complete(asyncio.sleep(1.2))
        status, cancelled = api.call("CancelMessageMoveTask", TaskHandle=started["TaskHandle"])
        done = api.settle(source_arn)
        again = api.call("CancelMessageMoveTask", TaskHandle=started["TaskHandle"])
    finally:
        api.close()
    assert second[0] == 400 and second[1]["__type"] == "UnsupportedOperation"
    assert status == 200 and cancelled["ApproximateNumberOfMessagesMoved"] >= 1
    assert done["Status"] == "CANCELLED"
    moved = done["ApproximateNumberOfMessagesMoved"]
    assert 1 <= moved < 6
    assert len(_bodies(sqs, sources["a"])) == moved  # what moved stays moved
    assert again[1]["__type"] == "UnsupportedOperation"
