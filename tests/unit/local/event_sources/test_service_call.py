"""core.service_call: the cloud's own in-process calls answer as the socket does, go through
the front door's hooks, and raise AWS's error codes."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator

import pytest
from event_rig import Endpoint, moto_endpoint

from stratus.local.core.call import AwsCall
from stratus.local.core.registry import Hook
from stratus.local.core.service_call import ServiceCaller, ServiceCallError, blocking

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with moto_endpoint() as found:
        yield found


async def test_a_received_message_is_what_boto3_receives_with_blobs_left_as_base64(
    endpoint: Endpoint,
) -> None:
    sqs = endpoint.clients()("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sqs.send_message(
        QueueUrl=url,
        MessageBody="hello",
        MessageAttributes={
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
            "word": {"DataType": "String", "StringValue": "w"},
        },
    )
    wanted = {
        "QueueUrl": url,
        "AttributeNames": ["All"],
        "MessageAttributeNames": ["All"],
        "VisibilityTimeout": 0,
    }
    (by_boto3,) = sqs.receive_message(**wanted)["Messages"]
    (ours,) = (await endpoint.caller("sqs")("ReceiveMessage", **wanted))["Messages"]
    blob = ours["MessageAttributes"]["blob"]
    assert blob["BinaryValue"] == base64.b64encode(b"\x00\x01").decode()
    blob["BinaryValue"] = b"\x00\x01"
    assert ours.pop("Attributes").keys() == by_boto3.pop("Attributes").keys()
    ours.pop("ReceiptHandle"), by_boto3.pop("ReceiptHandle")  # a new one per receive
    assert ours == by_boto3


async def test_an_error_answer_raises_with_aws_code(endpoint: Endpoint) -> None:
    with pytest.raises(ServiceCallError) as raised:
        await endpoint.caller("kinesis")("DescribeStreamSummary", StreamName="no-such-stream")
    assert raised.value.code == "ResourceNotFoundException"
    assert raised.value.status == 400
    assert "no-such-stream" in raised.value.message


async def test_the_call_passes_the_front_doors_hooks(endpoint: Endpoint) -> None:
    seen: list[str | None] = []

    async def after(call: AwsCall, response: object) -> None:
        seen.append(call.operation)

    endpoint.hooks.add([Hook("sqs", "ListQueues", after=after)])
    await endpoint.caller("sqs")("ListQueues")
    assert seen == ["ListQueues"]


def test_a_service_without_the_json_protocol_is_refused(endpoint: Endpoint) -> None:
    with pytest.raises(ValueError, match="JSON protocol"):
        ServiceCaller(endpoint.door.answer, "s3", region="us-east-1", host="localhost")


async def test_a_blocking_call_answers_a_thread_and_refuses_the_loop(endpoint: Endpoint) -> None:
    call = blocking(endpoint.caller("sqs"), asyncio.get_running_loop())
    answer = await asyncio.to_thread(call, "ListQueues")
    assert isinstance(answer.get("QueueUrls", []), list)
    with pytest.raises(RuntimeError, match="wait forever"):
        call("ListQueues")


async def test_boto3_shaped_parameters_are_serialized_as_botocore_does(endpoint: Endpoint) -> None:
    kinesis = endpoint.clients()("kinesis")
    name = f"s-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    caller = endpoint.caller("kinesis")
    await caller.call_shaped(
        "PutRecord", {"StreamName": name, "Data": b"\x00bytes\xff", "PartitionKey": "p"}
    )
    shard = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    (record,) = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert record["Data"] == b"\x00bytes\xff"
