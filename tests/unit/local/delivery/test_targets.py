"""Targets.send: one message to the resource an ARN names, through moto; failures raise so
the caller can retry or dead-letter."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from event_rig import Endpoint, FakeLambda, moto_endpoint

from stratus.local.delivery.targets import Message, Targets, UnsupportedTargetError

pytestmark = pytest.mark.anyio
ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with moto_endpoint() as found:
        yield found


@pytest.fixture
def lambdas() -> FakeLambda:
    return FakeLambda()


@pytest.fixture(params=["in-process", "boto3"])
def targets(endpoint: Endpoint, lambdas: FakeLambda, request: pytest.FixtureRequest) -> Targets:
    """Both transports: the endpoint's handler in-process (as in the cloud), boto3 clients."""
    local = endpoint.door.answer if request.param == "in-process" else None
    return Targets(lambda region: endpoint.clients(), lambdas, endpoint=endpoint.url, local=local)


def name() -> str:
    return f"n-{uuid.uuid4().hex[:8]}"


async def test_a_lambda_target_is_invoked_asynchronously(
    targets: Targets, lambdas: FakeLambda
) -> None:
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
    await targets.send(arn, Message(body=json.dumps({"x": 1})))
    (call,) = lambdas.calls
    assert call.function == arn and call.invocation_type == "Event" and call.event == {"x": 1}


async def test_an_sqs_target_gets_body_attributes_and_fifo_group(
    targets: Targets, endpoint: Endpoint
) -> None:
    sqs = endpoint.clients()("sqs")
    queue = name() + ".fifo"
    url = sqs.create_queue(
        QueueName=queue, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    attributes = {"k": {"DataType": "String", "StringValue": "v"}}
    await targets.send(
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:{queue}",
        Message(body="hello", attributes=attributes, group_id="g1"),
    )
    (message,) = sqs.receive_message(
        QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"]
    )["Messages"]
    assert message["Body"] == "hello"
    assert message["MessageAttributes"] == attributes
    assert message["Attributes"]["MessageGroupId"] == "g1"


async def test_a_missing_queue_raises(targets: Targets) -> None:
    with pytest.raises(Exception, match=r"NonExistentQueue|does not exist"):
        await targets.send(f"arn:aws:sqs:us-east-1:{ACCOUNT}:nope-{name()}", Message(body="x"))


async def test_a_kinesis_target_gets_a_record(targets: Targets, endpoint: Endpoint) -> None:
    kinesis = endpoint.clients()("kinesis")
    stream = name()
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    await targets.send(
        f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{stream}",
        Message(body="click", partition_key="user-1"),
    )
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    (record,) = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert record["Data"] == b"click" and record["PartitionKey"] == "user-1"


async def test_a_log_group_target_gets_each_message(targets: Targets, endpoint: Endpoint) -> None:
    logs = endpoint.clients()("logs")
    group = f"/test/{name()}"
    logs.create_log_group(logGroupName=group)
    for body in ("first", "second"):  # the second finds the stream already there
        await targets.send(f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}:*", Message(body))
    events = logs.filter_log_events(logGroupName=group)["events"]
    assert [e["message"] for e in events] == ["first", "second"]


async def test_an_eventbridge_target_puts_the_event_on_the_bus(
    targets: Targets, endpoint: Endpoint
) -> None:
    event = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": "b"}},
        "resources": ["arn:aws:s3:::b"],
        "time": "2026-01-02T03:04:05Z",
    }
    await targets.send(
        f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default", Message(json.dumps(event))
    )


async def test_an_unknown_kind_of_target_is_named(targets: Targets) -> None:
    with pytest.raises(UnsupportedTargetError, match="states"):
        await targets.send(f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:m", Message(body="{}"))
    with pytest.raises(UnsupportedTargetError):
        await targets.send("not-an-arn", Message(body="{}"))


class FailingEvents:
    def put_events(self, **params: Any) -> dict[str, Any]:
        return {
            "FailedEntryCount": 1,
            "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}],
        }


async def test_an_eventbridge_entry_that_failed_raises(lambdas: FakeLambda) -> None:
    """API_PutEvents.html: a failed entry is reported in the response (FailedEntryCount),
    not as an error of the call."""
    targets = Targets(lambda region: lambda service: FailingEvents(), lambdas, endpoint="http://x")
    with pytest.raises(RuntimeError, match="InternalFailure"):
        await targets.send(
            f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default",
            Message(json.dumps({"source": "s", "detail-type": "d", "detail": {}})),
        )
