"""The queue consumer that runs inside the service's container, beside the API.

Why not a Lambda: the container is long-running anyway and already holds the database pool,
so a thread polling SQS costs nothing more, needs no second copy of the PostgreSQL driver
in a Lambda bundle, no Lambda in the VPC and no extra connections from Lambda scaling out.
Every task of the service polls; SQS hands each message to one of them at a time.

Long polling (`WaitTimeSeconds` 10) keeps empty receives rare
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html).
A message is deleted only after its transaction committed; one that fails (database down,
malformed) is left to come back after the visibility timeout, and after the queue's
maxReceiveCount its redrive policy moves it to the DLQ, whose alarm fires
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
Duplicates are harmless: the store is idempotent per order id.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from stratus.shop.inventory.domain import Outcome
from stratus.shop.inventory.events import (
    Ignore,
    MalformedMessageError,
    Release,
    Reserve,
    command,
)

WAIT_SECONDS = 10  # long polling (up to SQS's 20); also bounds how long a shutdown waits
BATCH = 10


class Store(Protocol):
    def reserve(self, order_id: str, lines: dict[str, int]) -> tuple[Outcome, str | None]: ...

    def release(self, order_id: str) -> Outcome: ...


class Worker:
    """Receives, applies and deletes; `run` loops until `stop()` (a thread's target)."""

    def __init__(
        self, sqs: Any, queue_url: str, store: Store, logger: Any, wait_seconds: int = WAIT_SECONDS
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._store = store
        self._log = logger
        self._wait = wait_seconds
        self._stopping = threading.Event()

    def handle(self, body: str) -> Outcome | None:
        """Apply one body (raises when the message must come back or go to the DLQ)."""
        cmd = command(body)
        if isinstance(cmd, Reserve):
            outcome, reason = self._store.reserve(cmd.order_id, cmd.lines)
            self._log.info(
                "reservation",
                extra={"order_id": cmd.order_id, "outcome": outcome.value, "reason": reason},
            )
            return outcome
        if isinstance(cmd, Release):
            outcome = self._store.release(cmd.order_id)
            self._log.info("release", extra={"order_id": cmd.order_id, "outcome": outcome.value})
            return outcome
        assert isinstance(cmd, Ignore)
        return None

    def poll_once(self) -> int:
        """One receive; the number of messages applied and deleted."""
        answer = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=BATCH,
            WaitTimeSeconds=self._wait,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        done = 0
        for message in answer.get("Messages", []):
            try:
                self.handle(message.get("Body", ""))
            except MalformedMessageError as exc:
                self._log.warning(
                    "malformed message",
                    extra={"message_id": message.get("MessageId"), "error": str(exc)},
                )
                continue
            except Exception as exc:  # the database or a bug: the message comes back
                self._log.error(
                    "message failed",
                    extra={"message_id": message.get("MessageId"), "error": repr(exc)},
                )
                continue
            self._sqs.delete_message(
                QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
            done += 1
        return done

    def run(self) -> None:
        self._log.info("worker started", extra={"queue_url": self._queue_url})
        while not self._stopping.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # SQS unreachable: back off, keep the task alive
                self._log.error("receive failed", extra={"error": repr(exc)})
                self._stopping.wait(5)
        self._log.info("worker stopped")

    def stop(self) -> None:
        self._stopping.set()
