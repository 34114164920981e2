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
THROTTLE_BACKOFF_SECONDS = 0.05


class StreamSource(Protocol):
    """The read side of one kind of stream (Kinesis or DynamoDB Streams)."""

    async def shards(self) -> list[str]: ...
    async def iterator(
        self, shard: str, position: str, after: str | None, at: float | None
    ) -> str: ...
    async def records(
        self, iterator: str, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]: ...
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
        iterator: str | None = await self._first_iterator()
        while iterator is not None:
            self._wake.clear()  # before reading: a write after the read wakes the next wait
            try:
                records, iterator = await self._read(iterator)
            except Exception:
                log.exception("reading %s/%s failed; retrying", self.mapping.name, self.shard)
                await asyncio.sleep(IDLE_POLL_SECONDS)
                continue
            if not records:
                await self._idle()
                continue
            await self._handle_batch(records)
            last = self._source.sequence(records[-1])
            try:
                self._checkpoint(self.shard, last)
            except Exception:  # the next restart replays this batch; keep the shard moving
                log.exception(
                    "saving the checkpoint of %s/%s failed", self.mapping.name, self.shard
                )

    async def _first_iterator(self) -> str:
        """The shard iterator to start from: after the checkpoint, else the starting position.
        Retried until the stream answers (a stream still being created, a moto hiccup)."""
        position = "AFTER_SEQUENCE_NUMBER" if self._after else self.mapping.starting_position
        while True:
            try:
                return await self._source.iterator(
                    self.shard, position, self._after, self.mapping.starting_timestamp
                )
            except Exception:
                log.exception("no iterator for %s/%s; retrying", self.mapping.name, self.shard)
                await asyncio.sleep(IDLE_POLL_SECONDS)

    async def _read(self, iterator: str) -> tuple[list[dict[str, Any]], str | None]:
        """Up to BatchSize records; with MaximumBatchingWindowInSeconds, keep reading (woken by
        writes) until the batch is full or the window has passed (with-kinesis.html, "Batching
        behavior")."""
        limit = self.mapping.batch_size
        records, after = await self._source.records(iterator, limit)
        deadline = time.monotonic() + self.mapping.window_seconds
        while records and len(records) < limit and after is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._wake.clear()
            more, next_iterator = await self._source.records(after, limit - len(records))
            after = next_iterator
            if more:
                records.extend(more)
                continue
            try:
                async with asyncio.timeout(remaining):
                    await self._wake.wait()
            except TimeoutError:
                break
        return records, after

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
        invokes = 0
        result: InvokeResult | None = None
        while True:
            # Records past MaximumRecordAgeInSeconds are discarded, not sent
            # (API_CreateEventSourceMapping.html): before the first attempt and every retry.
            expired = self._expired(raw)
            if expired:
                await self._give_up(raw[:expired], result, "RecordAgeExceeded", invokes)
                raw, events = raw[expired:], events[expired:]
            if not raw:
                return
            result = await self._invoke(raw, events)
            if result is None:  # could not invoke before the records expired
                continue
            invokes += 1
            sequences = [self._source.sequence(r) for r in raw]
            outcome = (
                None
                if result.function_error
                else parse_batch_response(
                    result.payload,
                    sequences,
                    report_item_failures=self.mapping.report_item_failures,
                )
            )
            start = 0 if outcome is None else stream_retry_from(outcome, sequences)
            if start is None:
                return
            raw, events = raw[start:], events[start:]
            # Bisect only a batch that failed as a whole; a partial batch response is already
            # "bisected at the returned sequence number" and only the rest is retried
            # (services-kinesis-batchfailurereporting.html). Bisecting does not use up retries.
            whole = outcome is None or outcome.whole_batch
            halves = (
                bisect(list(zip(raw, events, strict=True)))
                if self.mapping.bisect_on_error and whole
                else None
            )
            if halves is not None:
                for half in halves:
                    await self._deliver([r for r, _ in half], [e for _, e in half])
                return
            retries += 1
            if 0 <= self.mapping.max_retries < retries:
                await self._give_up(raw, result, "RetryAttemptsExhausted", invokes)
                return
            await self._sleep_until_retry(raw, min(MAX_BACKOFF_SECONDS, 0.1 * 2 ** (retries - 1)))

    async def _invoke(
        self, raw: list[dict[str, Any]], events: Sequence[dict[str, Any]]
    ) -> InvokeResult | None:
        """Invoke once; throttling and failures to invoke at all are retried "until the records
        expire or exceed the maximum age" (kinesis-on-failure-destination.html, "Before
        invocation") and never count as retries. None: the oldest record expired meanwhile."""
        payload = json.dumps({"Records": list(events)}).encode()
        failures = 0
        while True:
            try:
                result = await self._lambdas.invoke(self.mapping.function, payload)
                self.invocations += 1
                return result
            except TooManyRequestsError:
                delay = THROTTLE_BACKOFF_SECONDS
            except Exception:
                failures += 1
                log.exception("invoking %s failed; retrying", self.mapping.function)
                delay = min(MAX_BACKOFF_SECONDS, 0.1 * 2 ** (failures - 1))
            if await self._sleep_until_retry(raw, delay):
                return None

    async def _sleep_until_retry(self, raw: list[dict[str, Any]], delay: float) -> bool:
        """Sleep before a retry, waking early if the oldest record expires; True if it did."""
        limit = self.mapping.max_record_age_seconds
        if limit >= 0 and raw:
            left = self._source.arrival(raw[0]) + limit - time.time()
            if left < delay:
                await asyncio.sleep(max(0.0, left) + 0.001)
                return True
        await asyncio.sleep(delay)
        return False

    def _expired(self, raw: list[dict[str, Any]]) -> int:
        """How many leading records (a shard is in arrival order) are past the maximum age."""
        limit = self.mapping.max_record_age_seconds
        if limit < 0:
            return 0
        now = time.time()
        count = 0
        for record in raw:
            if now - self._source.arrival(record) <= limit:
                break
            count += 1
        return count

    async def _give_up(
        self,
        raw: list[dict[str, Any]],
        result: InvokeResult | None,
        condition: str,
        invokes: int,
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
        try:
            await self._send_failure(self.mapping.on_failure, Message(body=json.dumps(record)))
        except Exception:  # the shard moves on regardless, as Lambda's does
            log.exception(
                "%s/%s: the on-failure destination %s refused the record",
                self.mapping.name,
                self.shard,
                self.mapping.on_failure,
            )


def failure_record(
    mapping: MappingConfig,
    shard: str,
    sequences: list[str],
    arrivals: list[float],
    *,
    function_arn: str,
    result: InvokeResult | None,
    condition: str,
    invoke_count: int,
) -> dict[str, Any]:
    """The on-failure destination record for a stream batch, as Lambda sends it
    (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html)."""
    info_key = "KinesisBatchInfo" if mapping.kind == "kinesis" else "DDBStreamBatchInfo"
    record: dict[str, Any] = {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        }
    }
    if result is not None:  # records discarded before any invocation have no response
        record["responseContext"] = {
            "statusCode": result.status_code,
            "executedVersion": result.executed_version,
            "functionError": result.function_error or "",
        }
    return record | {
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
