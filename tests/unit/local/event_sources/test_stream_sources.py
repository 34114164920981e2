"""The stream pollers over moto's Kinesis and DynamoDB Streams: checkpoints saved to disk
resume after a restart (AFTER_SEQUENCE_NUMBER) without invoking handled records again."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from event_rig import Endpoint, FakeLambda, moto_endpoint, wait_for

from stratus.local.delivery.targets import Message
from stratus.local.event_sources.checkpoints import Checkpoints
from stratus.local.event_sources.mappings import MappingConfig
from stratus.local.event_sources.sources import DynamoDbStreamSource, KinesisSource
from stratus.local.event_sources.stream_poller import ShardPoller, StreamSource

pytestmark = pytest.mark.anyio
ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with moto_endpoint() as found:
        yield found


async def no_failure(arn: str, message: Message) -> None:
    raise AssertionError(f"nothing should be given up: {message.body}")


class Mapping:
    """One mapping's shard poller, restartable over the same checkpoint file."""

    def __init__(
        self, source: StreamSource, shard: str, kind: str, arn: str, path: Path, **extra: Any
    ):
        self.source, self.path = source, path
        self.config = MappingConfig(
            uuid="m-1",
            function="reader",
            source_arn=arn,
            kind=kind,  # type: ignore[arg-type]
            batch_size=100,
            window_seconds=0,
            starting_position="TRIM_HORIZON",
            **extra,
        )
        self.shard = shard
        self.task: asyncio.Task[None] | None = None
        self.checkpoints = Checkpoints(path)

    def start(self, lambdas: FakeLambda) -> ShardPoller:
        self.checkpoints = Checkpoints(self.path)  # as a restarted cloud reads it
        poller = ShardPoller(
            self.config,
            self.shard,
            source=self.source,
            lambdas=lambdas,
            function_arn="arn:aws:lambda:us-east-1:000000000000:function:reader",
            checkpoint=lambda shard, seq: self.checkpoints.put(self.config.uuid, shard, seq),
            last_checkpoint=self.checkpoints.get(self.config.uuid, self.shard),
            send_failure=no_failure,
        )
        self.task = asyncio.create_task(poller.run())
        return poller

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def test_kinesis_resumes_after_the_checkpoint_after_a_restart(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    kinesis = endpoint.clients()("kinesis")
    name = f"s-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}"
    source = KinesisSource(endpoint.caller("kinesis"), arn, "arn:aws:iam::000000000000:role/r")
    (shard,) = await source.shards()
    mapping = Mapping(source, shard, "kinesis", arn, tmp_path / "checkpoints.json")
    for i in range(3):
        kinesis.put_record(StreamName=name, Data=f"r{i}".encode(), PartitionKey="p")
    first = FakeLambda()
    mapping.start(first)
    await wait_for(lambda: sum(len(b) for b in first.batches) == 3)
    await asyncio.sleep(0.05)
    await mapping.stop()
    for i in range(3, 5):
        kinesis.put_record(StreamName=name, Data=f"r{i}".encode(), PartitionKey="p")
    second = FakeLambda()
    mapping.start(second).wake()
    await wait_for(lambda: sum(len(b) for b in second.batches) == 2)
    await asyncio.sleep(0.2)
    await mapping.stop()
    seen = [base64.b64decode(r["kinesis"]["data"]).decode() for b in second.batches for r in b]
    assert seen == ["r3", "r4"]
    record = second.batches[0][0]
    assert record["eventSourceARN"] == arn and record["eventName"] == "aws:kinesis:record"


async def test_a_dynamodb_stream_resumes_after_the_checkpoint_after_a_restart(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    aws = endpoint.clients()
    dynamodb = aws("dynamodb")
    name = f"t-{uuid.uuid4().hex[:8]}"
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    arn = table["TableDescription"]["LatestStreamArn"]
    source = DynamoDbStreamSource(endpoint.caller("dynamodbstreams"), arn)
    # A maximum age: records must carry their real creation time, or all would be too old.
    (shard,) = await source.shards()
    mapping = Mapping(
        source, shard, "dynamodb", arn, tmp_path / "c.json", max_record_age_seconds=60
    )
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    first = FakeLambda()
    mapping.start(first)
    await wait_for(lambda: first.calls)
    await asyncio.sleep(0.05)
    await mapping.stop()
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    second = FakeLambda()
    mapping.start(second).wake()
    await wait_for(lambda: second.calls)
    await asyncio.sleep(0.2)
    await mapping.stop()
    assert [r["eventName"] for b in first.batches for r in b] == ["INSERT"]
    assert [r["eventName"] for b in second.batches for r in b] == ["MODIFY"]
