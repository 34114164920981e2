"""Kinesis and DynamoDB Streams -> Lambda: one poller per shard of an event source mapping.

Copied from https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html and
https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html:
- records are processed in order per shard, one batch at a time; a failing batch blocks its
  shard and is retried (exponential backoff) until it succeeds, MaximumRetryAttempts is
  spent or its oldest record is older than MaximumRecordAgeInSeconds (-1: no limit);
- with ReportBatchItemFailures, the batch is retried from the lowest failed sequence number;
- BisectBatchOnFunctionError splits a failing batch in two and retries each half (bisecting
  does not count against the retry quota);
- a batch given up on goes to the on-failure destination as a record describing the batch
  (`KinesisBatchInfo` / `DDBStreamBatchInfo`), and the shard moves on.
AWS polls each Kinesis shard once per second and each DynamoDB stream shard four times a
second; locally the poller wakes as soon as a record is written (after-hooks) and polls every
second otherwise. Checkpoints (the last sequence number handled per shard) are saved, so a
restart resumes where it stopped instead of at LATEST or TRIM_HORIZON again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from stratus.local.core.contracts import InvokeResult, LambdaInvoker, TooManyRequestsError
from stratus.local.delivery.targets import Message
from stratus.local.event_sources.mappings import MappingConfig
from stratus.local.events.shapes.batch import (
    FilterCriteria,
    bisect,
    parse_batch_response,
    stream_retry_from,
)

log = logging.getLogger("stratus.event_sources")
IDLE_POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 5.0


class StreamSource(Protocol):
    """The read side of one kind of stream (Kinesis or DynamoDB Streams)."""

    def shards(self) -> list[str]: ...
    def iterator(self, shard: str, position: str, after: str | None, at: float | None) -> str: ...
    def records(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]: ...
    def event_record(self, record: dict[str, Any], shard: str) -> dict[str, Any]: ...
    def sequence(self, record: dict[str, Any]) -> str: ...
    def arrival(self, record: dict[str, Any]) -> float: ...


class ShardPoller:
    def __init__(
        self,
        mapping: MappingConfig,
        shard: str,
        *,
        source: StreamSource,
        lambdas: LambdaInvoker,
        function_arn: str,
        checkpoint: Callable[[str, str], None],
        last_checkpoint: str | None,
        send_failure: Callable[[str, Message], Awaitable[None]],
    ) -> None:
        self.mapping = mapping
        self.shard = shard
        self._source = source
        self._lambdas = lambdas
        self._function_arn = function_arn
        self._checkpoint = checkpoint
        self._after = last_checkpoint
        self._send_failure = send_failure
        self._filters = FilterCriteria(mapping.filter_criteria, mapping.kind)
        self._wake = asyncio.Event()
        self.invocations = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        position = "AFTER_SEQUENCE_NUMBER" if self._after else self.mapping.starting_position
        iterator: str | None = await asyncio.to_thread(
            self._source.iterator,
            self.shard,
            position,
            self._after,
            self.mapping.starting_timestamp,
        )
        while iterator is not None:
            self._wake.clear()
            try:
                records, iterator = await asyncio.to_thread(
                    self._source.records, iterator, self.mapping.batch_size
                )
            except Exception:
                log.exception("reading %s/%s failed; retrying", self.mapping.name, self.shard)
                await asyncio.sleep(IDLE_POLL_SECONDS)
                continue
            if not records:
                await self._idle()
                continue
            await self._handle_batch(records)
            last = self._source.sequence(records[-1])
            self._checkpoint(self.shard, last)

    async def _idle(self) -> None:
        try:
            async with asyncio.timeout(IDLE_POLL_SECONDS):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _handle_batch(self, raw: list[dict[str, Any]]) -> None:
        events = [self._source.event_record(r, self.shard) for r in raw]
        kept = [(r, e) for r, e in zip(raw, events, strict=True) if self._filters.keeps(e)]
        if kept:
            await self._deliver([r for r, _ in kept], [e for _, e in kept])

    async def _deliver(self, raw: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
        retries = 0
        while True:
            result = await self._invoke(events)
            sequences = [self._source.sequence(r) for r in raw]
            if result.function_error:
                start: int | None = 0
            else:
                outcome = parse_batch_response(
                    result.payload,
                    sequences,
                    report_item_failures=self.mapping.report_item_failures,
                )
                start = stream_retry_from(outcome, sequences)
            if start is None:
                return
            raw, events = raw[start:], events[start:]
            if self._too_old(raw):
                await self._give_up(raw, result, "RecordAgeExceeded", retries + 1)
                return
            halves = (
                bisect(list(zip(raw, events, strict=True)))
                if self.mapping.bisect_on_error
                else None
            )
            if halves is not None:
                for half in halves:
                    await self._deliver([r for r, _ in half], [e for _, e in half])
                return
            retries += 1
            if 0 <= self.mapping.max_retries < retries:
                await self._give_up(raw, result, "RetryAttemptsExhausted", retries)
                return
            await asyncio.sleep(min(MAX_BACKOFF_SECONDS, 0.1 * 2 ** (retries - 1)))

    async def _invoke(self, events: Sequence[dict[str, Any]]) -> InvokeResult:
        payload = json.dumps({"Records": list(events)}).encode()
        while True:
            try:
                result = await self._lambdas.invoke(self.mapping.function, payload)
                self.invocations += 1
                return result
            except TooManyRequestsError:
                await asyncio.sleep(0.05)

    def _too_old(self, raw: list[dict[str, Any]]) -> bool:
        limit = self.mapping.max_record_age_seconds
        return limit >= 0 and bool(raw) and time.time() - self._source.arrival(raw[0]) > limit

    async def _give_up(
        self, raw: list[dict[str, Any]], result: InvokeResult, condition: str, invokes: int
    ) -> None:
        log.warning(
            "%s/%s: %d record(s) given up (%s)", self.mapping.name, self.shard, len(raw), condition
        )
        if self.mapping.on_failure is None:
            return
        record = failure_record(
            self.mapping,
            self.shard,
            [self._source.sequence(r) for r in raw],
            [self._source.arrival(r) for r in raw],
            function_arn=self._function_arn,
            result=result,
            condition=condition,
            invoke_count=invokes,
        )
        await self._send_failure(self.mapping.on_failure, Message(body=json.dumps(record)))


def failure_record(
    mapping: MappingConfig,
    shard: str,
    sequences: list[str],
    arrivals: list[float],
    *,
    function_arn: str,
    result: InvokeResult,
    condition: str,
    invoke_count: int,
) -> dict[str, Any]:
    """The on-failure destination record for a stream batch, as Lambda sends it
    (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html)."""
    info_key = "KinesisBatchInfo" if mapping.kind == "kinesis" else "DDBStreamBatchInfo"
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": {
            "statusCode": result.status_code,
            "executedVersion": result.executed_version,
            "functionError": result.function_error or "",
        },
        "version": "1.0",
        "timestamp": _iso(time.time()),
        info_key: {
            "shardId": shard,
            "startSequenceNumber": sequences[0],
            "endSequenceNumber": sequences[-1],
            "approximateArrivalOfFirstRecord": _iso(arrivals[0]),
            "approximateArrivalOfLastRecord": _iso(arrivals[-1]),
            "batchSize": len(sequences),
            "streamArn": mapping.source_arn,
        },
    }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{int(epoch * 1000) % 1000:03d}Z"
    )
