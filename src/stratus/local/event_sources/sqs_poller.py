"""SQS -> Lambda: Lambda's poller for one event source mapping.

Copied from https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html and
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html:
- batches of up to BatchSize messages, gathered for up to MaximumBatchingWindowInSeconds;
- the function is invoked synchronously; on success the batch is deleted; on a function
  error nothing is deleted and the messages return after the queue's visibility timeout,
  so SQS itself moves them to the dead-letter queue after maxReceiveCount receives;
- with ReportBatchItemFailures only the messages the function names stay on the queue;
- filter criteria: a message that matches no filter is deleted without an invocation;
- FIFO queues: SQS hands out one message group in order and holds the group while a batch
  of it is in flight, so order per group holds with several batches in flight.
Locally the poller wakes the moment a message is sent (an after-hook on SendMessage), then
falls back to polling every second (messages whose visibility timeout ran out). It reads and
deletes through the endpoint in-process (`core.service_call`), on the event loop: through a
boto3 client in a thread, the receive alone had cost a thread hop, a loopback HTTP round trip
and ~1 ms of client CPU before every invocation.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable
from typing import Any, Protocol

from stratus.local.core.contracts import LambdaInvoker, TooManyRequestsError
from stratus.local.event_sources.mappings import MappingConfig
from stratus.local.events.shapes.batch import FilterCriteria, parse_batch_response
from stratus.local.events.shapes.pollers import sqs_record
from stratus.local.xray import propagation

log = logging.getLogger("stratus.event_sources")
IDLE_POLL_SECONDS = 1.0
THROTTLE_BACKOFF_SECONDS = 0.05


class SqsApi(Protocol):
    """An SQS operation by name with its wire parameters (core.service_call.ServiceCaller)."""

    def __call__(self, operation: str, **params: Any) -> Awaitable[dict[str, Any]]: ...


class SqsPoller:
    def __init__(
        self,
        mapping: MappingConfig,
        *,
        sqs: SqsApi,
        queue_url: str,
        lambdas: LambdaInvoker,
    ) -> None:
        self.mapping = mapping
        self._sqs = sqs
        self._queue_url = queue_url
        self._lambdas = lambdas
        self._filters = FilterCriteria(mapping.filter_criteria, "sqs")
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(max(1, mapping.max_concurrency))
        self._batches: set[asyncio.Task[None]] = set()
        self.invocations = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                messages = await self._gather()
            except asyncio.CancelledError:
                self._slots.release()
                raise
            except Exception:
                self._slots.release()
                log.exception("polling %s failed; retrying", self.mapping.name)
                await asyncio.sleep(IDLE_POLL_SECONDS)
                continue
            if not messages:
                self._slots.release()
                await self._idle()
                continue
            task = asyncio.create_task(self._process(messages))
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)
            # Let the batch reach its function before the next receive: the loop would
            # otherwise run that receive (in-process, it never suspends) first, and an
            # empty one cost ~1.4 ms before every invocation.
            await asyncio.sleep(0)

    async def _idle(self) -> None:
        try:
            async with asyncio.timeout(IDLE_POLL_SECONDS):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _gather(self) -> list[dict[str, Any]]:
        """Receive up to BatchSize messages, waiting up to the batching window for more."""
        wanted = self.mapping.batch_size
        deadline = time.monotonic() + self.mapping.window_seconds
        messages: list[dict[str, Any]] = []
        while len(messages) < wanted:
            # Cleared before receiving, not after: a send between an empty receive and the
            # wait that follows must still wake it (else it sleeps a whole idle poll).
            self._wake.clear()
            got = await self._receive(min(10, wanted - len(messages)))
            messages.extend(got)
            if got and len(messages) < wanted and time.monotonic() < deadline:
                continue
            if not got and messages and time.monotonic() < deadline:
                try:
                    async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                        await self._wake.wait()
                except TimeoutError:
                    break
                continue
            break
        return messages

    async def _receive(self, count: int) -> list[dict[str, Any]]:
        answer = await self._sqs(
            "ReceiveMessage",
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=count,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages

    async def _process(self, messages: list[dict[str, Any]]) -> None:
        try:
            records = [sqs_record(m, self.mapping.source_arn) for m in messages]
            kept = [r for r in records if self._filters.keeps(r)]
            dropped = [r for r in records if r not in kept]
            if dropped:  # filtered out: deleted without an invocation, as Lambda does
                await self._delete(dropped)
            if kept:
                await self._invoke(kept)
        except Exception:
            log.exception("batch from %s failed", self.mapping.name)
        finally:
            self._slots.release()
            self._wake.set()  # more may be waiting

    async def _invoke(self, records: list[dict[str, Any]]) -> None:
        payload = json.dumps({"Records": records}).encode()
        while True:
            try:
                # The invocation continues the messages' trace (their AWSTraceHeader).
                with propagation.continuing(propagation.batch_trace(records)):
                    result = await self._lambdas.invoke(self.mapping.function, payload)
                break
            except TooManyRequestsError:
                await asyncio.sleep(THROTTLE_BACKOFF_SECONDS)  # kept in flight, not failed
        self.invocations += 1
        if result.function_error:
            return  # whole batch back to the queue after the visibility timeout
        outcome = parse_batch_response(
            result.payload,
            [r["messageId"] for r in records],
            report_item_failures=self.mapping.report_item_failures,
        )
        if outcome.whole_batch:
            return
        done = [r for r in records if r["messageId"] not in outcome.failed_ids]
        if done:
            await self._delete(done)

    async def _delete(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), 10):
            chunk = records[start : start + 10]
            await self._sqs(
                "DeleteMessageBatch",
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)
                ],
            )

    async def aclose(self) -> None:
        for task in list(self._batches):
            task.cancel()
        await asyncio.gather(*self._batches, return_exceptions=True)
