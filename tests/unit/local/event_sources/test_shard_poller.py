"""Kinesis / DynamoDB Streams -> Lambda: one shard poller over an in-memory stream.

Rules pinned here: https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
(retry from the lowest failed sequence number; with BisectBatchOnFunctionError too, the batch
is split at that number and only the rest retried) and
https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html (bisecting
does not use up retries; records given up go to the on-failure destination as a
`KinesisBatchInfo` record, and the shard moves on).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from event_rig import FakeLambda, function_error, wait_for

from stratus.local.core.contracts import TooManyRequestsError
from stratus.local.delivery.targets import Message
from stratus.local.event_sources.mappings import MappingConfig
from stratus.local.event_sources.stream_poller import ShardPoller

pytestmark = pytest.mark.anyio
STREAM = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"
FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:reader"
DESTINATION = "arn:aws:sqs:us-east-1:000000000000:failures"
ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class MemoryStream:
    """A one-shard stream; sequence numbers "1", "2", ...; iterators are positions."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float]] = []  # (sequence, data, arrival)
        self.reads = 0
        self.fail_reads = 0

    def put(self, data: str, *, age: float = 0.0) -> str:
        sequence = str(len(self.rows) + 1)
        self.rows.append((sequence, data, time.time() - age))
        return sequence

    async def shards(self) -> list[str]:
        return ["shardId-000000000000"]

    async def iterator(self, shard: str, position: str, after: str | None, at: float | None) -> str:
        if position == "AFTER_SEQUENCE_NUMBER":
            return str(int(after or 0))
        if position == "LATEST":
            return str(len(self.rows))
        return "0"

    async def records(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        self.reads += 1
        if self.fail_reads:
            self.fail_reads -= 1
            raise ConnectionError("stream unavailable")
        start = int(iterator)
        rows = self.rows[start : start + limit]
        found = [{"SequenceNumber": s, "Data": d, "Arrival": a} for s, d, a in rows]
        return found, str(start + len(found))

    def event_record(self, record: dict[str, Any], shard: str) -> dict[str, Any]:
        return {
            "kinesis": {
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(record["Data"].encode()).decode(),
            },
            "eventID": f"{shard}:{record['SequenceNumber']}",
        }

    def sequence(self, record: dict[str, Any]) -> str:
        return str(record["SequenceNumber"])

    def arrival(self, record: dict[str, Any]) -> float:
        return float(record["Arrival"])


def data(record: dict[str, Any]) -> str:
    return base64.b64decode(record["kinesis"]["data"]).decode()


def payloads(lambdas: FakeLambda) -> list[list[str]]:
    return [[data(r) for r in batch] for batch in lambdas.batches]


def fails_on(*bad: str, partial: bool = False) -> Any:
    """A function failing whenever its batch holds a bad record: a function error, or (partial)
    a batchItemFailures response naming the bad ones."""

    def respond(event: dict[str, Any]) -> Any:
        failed = [r["kinesis"]["sequenceNumber"] for r in event["Records"] if data(r) in bad]
        if not failed:
            return {"batchItemFailures": []}
        if partial:
            return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}
        return function_error()

    return respond


class Rig:
    def __init__(self) -> None:
        self.stream = MemoryStream()
        self.checkpoints: dict[str, str] = {}
        self.failures: list[tuple[str, dict[str, Any]]] = []
        self.pollers: list[tuple[ShardPoller, asyncio.Task[None]]] = []
        self.fail_destination = False

    async def send_failure(self, arn: str, message: Message) -> None:
        if self.fail_destination:
            raise ConnectionError("destination unavailable")
        self.failures.append((arn, json.loads(message.body)))

    def start(self, lambdas: FakeLambda, **overrides: Any) -> ShardPoller:
        values: dict[str, Any] = {
            "uuid": "mapping-1",
            "function": "reader",
            "source_arn": STREAM,
            "kind": "kinesis",
            "batch_size": 10,
            "window_seconds": 0.0,
            "starting_position": "TRIM_HORIZON",
            "on_failure": DESTINATION,
        }
        poller = ShardPoller(
            MappingConfig(**(values | overrides)),
            "shardId-000000000000",
            source=self.stream,
            lambdas=lambdas,
            function_arn=FUNCTION,
            checkpoint=lambda shard, sequence: self.checkpoints.__setitem__(shard, sequence),
            last_checkpoint=self.checkpoints.get("shardId-000000000000"),
            send_failure=self.send_failure,
        )
        self.pollers.append((poller, asyncio.create_task(poller.run())))
        return poller

    @property
    def checkpoint(self) -> str | None:
        return self.checkpoints.get("shardId-000000000000")

    async def stop(self) -> None:
        for _, task in self.pollers:
            task.cancel()
        await asyncio.gather(*(task for _, task in self.pollers), return_exceptions=True)
        self.pollers.clear()


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    found = Rig()
    yield found
    await found.stop()


async def test_records_arrive_in_order_in_batches_and_are_checkpointed(rig: Rig) -> None:
    for i in range(5):
        rig.stream.put(f"r{i}")
    lambdas = FakeLambda()
    rig.start(lambdas, batch_size=2)
    await wait_for(lambda: rig.checkpoint == "5")
    assert payloads(lambdas) == [["r0", "r1"], ["r2", "r3"], ["r4"]]


async def test_a_partial_batch_response_retries_from_the_lowest_failed_sequence_number(
    rig: Rig,
) -> None:
    for i in range(1, 6):
        rig.stream.put(f"r{i}")
    answers = [{"batchItemFailures": [{"itemIdentifier": "4"}, {"itemIdentifier": "2"}]}, None]
    lambdas = FakeLambda(lambda event: answers.pop(0))
    rig.start(lambdas, report_item_failures=True)
    await wait_for(lambda: rig.checkpoint == "5")
    assert payloads(lambdas) == [["r1", "r2", "r3", "r4", "r5"], ["r2", "r3", "r4", "r5"]]
    assert rig.failures == []


async def test_bisect_splits_a_failing_batch_and_isolates_the_bad_record(rig: Rig) -> None:
    for i in range(1, 5):
        rig.stream.put(f"r{i}")
    lambdas = FakeLambda(fails_on("r3"))
    rig.start(lambdas, bisect_on_error=True, max_retries=0)
    await wait_for(lambda: rig.checkpoint == "4")
    assert payloads(lambdas) == [
        ["r1", "r2", "r3", "r4"],
        ["r1", "r2"],
        ["r3", "r4"],
        ["r3"],
        ["r4"],
    ]
    ((arn, record),) = rig.failures
    assert arn == DESTINATION
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        "3",
        "3",
        1,
    )


async def test_bisect_with_a_partial_response_splits_at_the_returned_sequence_number(
    rig: Rig,
) -> None:
    """services-kinesis-batchfailurereporting.html: "the batch is bisected at the returned
    sequence number and Lambda retries only the remaining records"."""
    for i in range(1, 6):
        rig.stream.put(f"r{i}")
    answers: list[Any] = [{"batchItemFailures": [{"itemIdentifier": "3"}]}, None]
    lambdas = FakeLambda(lambda event: answers.pop(0))
    rig.start(lambdas, bisect_on_error=True, report_item_failures=True)
    await wait_for(lambda: rig.checkpoint == "5")
    assert payloads(lambdas) == [["r1", "r2", "r3", "r4", "r5"], ["r3", "r4", "r5"]]


async def test_exhausted_retries_send_the_batch_info_and_the_shard_moves_on(rig: Rig) -> None:
    for i in range(1, 4):
        rig.stream.put(f"bad{i}")
    lambdas = FakeLambda(fails_on("bad1", "bad2", "bad3"))
    poller = rig.start(lambdas, max_retries=2)
    await wait_for(lambda: rig.failures)
    assert len(lambdas.calls) == 3  # the first attempt and two retries
    ((arn, record),) = rig.failures
    assert arn == DESTINATION
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["functionArn"] == FUNCTION
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["version"] == "1.0" and ISO_MILLIS.match(record["timestamp"])
    info = record["KinesisBatchInfo"]
    assert info["shardId"] == "shardId-000000000000"
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == ("1", "3")
    assert info["batchSize"] == 3 and info["streamArn"] == STREAM
    assert ISO_MILLIS.match(info["approximateArrivalOfFirstRecord"])
    assert ISO_MILLIS.match(info["approximateArrivalOfLastRecord"])
    assert set(record) == {
        "requestContext",
        "responseContext",
        "version",
        "timestamp",
        "KinesisBatchInfo",
    }
    await wait_for(lambda: rig.checkpoint == "3")
    rig.stream.put("good")
    poller.wake()
    await wait_for(lambda: rig.checkpoint == "4")
    assert payloads(lambdas)[-1] == ["good"]


async def test_a_dynamodb_mapping_names_its_batch_info_ddbstreambatchinfo(rig: Rig) -> None:
    rig.stream.put("bad")
    lambdas = FakeLambda(fails_on("bad"))
    rig.start(
        lambdas,
        kind="dynamodb",
        source_arn="arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026",
        max_retries=0,
    )
    await wait_for(lambda: rig.failures)
    assert "DDBStreamBatchInfo" in rig.failures[0][1]
    assert "KinesisBatchInfo" not in rig.failures[0][1]


async def test_records_older_than_the_maximum_age_are_not_sent_to_the_function(
    rig: Rig,
) -> None:
    """API_CreateEventSourceMapping: MaximumRecordAgeInSeconds "Discard records older than the
    specified age"; discarded records go to the on-failure destination."""
    rig.stream.put("old1", age=120)
    rig.stream.put("old2", age=90)
    rig.stream.put("fresh")
    lambdas = FakeLambda()
    rig.start(lambdas, max_record_age_seconds=60)
    await wait_for(lambda: rig.checkpoint == "3")
    assert payloads(lambdas) == [["fresh"]]
    ((_, record),) = rig.failures
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == ("1", "2")


async def test_a_failing_batch_is_given_up_once_its_records_are_too_old(rig: Rig) -> None:
    rig.stream.put("bad", age=59.5)
    lambdas = FakeLambda(fails_on("bad"))
    rig.start(lambdas, max_record_age_seconds=60)
    await wait_for(lambda: rig.failures, timeout=5)
    assert rig.failures[0][1]["requestContext"]["condition"] == "RecordAgeExceeded"
    assert len(lambdas.calls) >= 1
    await wait_for(lambda: rig.checkpoint == "1")


async def test_throttling_is_retried_without_counting_as_a_retry(rig: Rig) -> None:
    rig.stream.put("r1")
    throttles = [TooManyRequestsError("Rate exceeded")] * 3
    lambdas = FakeLambda(lambda event: throttles.pop() if throttles else None)
    rig.start(lambdas, max_retries=0)
    await wait_for(lambda: rig.checkpoint == "1")
    assert payloads(lambdas) == [["r1"]] and rig.failures == []


async def test_an_invoke_that_raises_is_retried_and_the_poller_survives(rig: Rig) -> None:
    rig.stream.put("r1")
    answers: list[Any] = [RuntimeError("runtime crashed"), None]
    lambdas = FakeLambda(lambda event: answers.pop(0) if answers else None)
    rig.start(lambdas)
    await wait_for(lambda: rig.checkpoint == "1")
    assert payloads(lambdas) == [["r1"]]


async def test_an_unreachable_destination_does_not_stop_the_shard(rig: Rig) -> None:
    rig.fail_destination = True
    rig.stream.put("bad")
    rig.stream.put("good")
    lambdas = FakeLambda(fails_on("bad"))
    rig.start(lambdas, max_retries=0, batch_size=1)
    await wait_for(lambda: rig.checkpoint == "2")
    assert payloads(lambdas)[-1] == ["good"]


async def test_a_failing_read_is_retried(rig: Rig) -> None:
    rig.stream.fail_reads = 1
    rig.stream.put("r1")
    lambdas = FakeLambda()
    rig.start(lambdas)
    await wait_for(lambda: rig.checkpoint == "1", timeout=5)


async def test_the_batching_window_gathers_records_written_apart(rig: Rig) -> None:
    """with-kinesis.html: MaximumBatchingWindowInSeconds — Lambda reads records for up to
    the window before invoking, unless the batch is full."""
    lambdas = FakeLambda()
    poller = rig.start(lambdas, window_seconds=0.5)
    await asyncio.sleep(0.05)
    rig.stream.put("a")
    poller.wake()
    await asyncio.sleep(0.15)
    rig.stream.put("b")
    poller.wake()
    await wait_for(lambda: rig.checkpoint == "2")
    assert payloads(lambdas) == [["a", "b"]]


async def test_a_restart_resumes_after_the_checkpoint(rig: Rig) -> None:
    for i in range(3):
        rig.stream.put(f"r{i}")
    first = FakeLambda()
    rig.start(first)
    await wait_for(lambda: rig.checkpoint == "3")
    await rig.stop()
    rig.stream.put("r3")
    second = FakeLambda()
    rig.start(second)
    await wait_for(lambda: rig.checkpoint == "4")
    assert payloads(second) == [["r3"]]


async def test_filtered_records_are_skipped_and_checkpointed(rig: Rig) -> None:
    rig.stream.put(json.dumps({"kind": "order"}))
    rig.stream.put(json.dumps({"kind": "other"}))
    lambdas = FakeLambda()
    criteria = {"Filters": [{"Pattern": json.dumps({"data": {"kind": ["order"]}})}]}
    rig.start(lambdas, filter_criteria=criteria)
    await wait_for(lambda: rig.checkpoint == "2")
    assert payloads(lambdas) == [[json.dumps({"kind": "order"})]]
