"""Dead-letter queue redrive: move a DLQ's messages back to a source queue.

SQS's redrive is StartMessageMoveTask
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html),
which moto 5.2.5 does not implement: sqs/move_tasks.py answers it with this move, and the
console calls it directly. The move is done through the queue's own API
(each call journaled as any SQS request, so a redrive survives a restart): receive a batch
from the DLQ, send each message to its destination with its body and message attributes,
and delete it from the DLQ only after its send succeeded. A send that fails stops the move
and makes the rest of the batch visible again at once: nothing is lost, at worst a message
whose delete failed after its send is delivered twice (SQS's at-least-once).

As SQS's redrive
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html):
oldest first; the destination must be of the DLQ's type (FIFO or standard); a FIFO message
keeps its group and is deduplicated by its message id; the task moves the messages that
were in the DLQ when it started (a message coming back during the move is not moved twice);
with no destination, each message goes back to the queue it came from (its
DeadLetterQueueSourceArn).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

BATCH = 10  # ReceiveMessage's maximum
# Long enough for one batch's sends; a crash mid-move makes the rest visible again after it.
VISIBILITY_SECONDS = 30


class RedriveError(ValueError):
    """The move cannot start (no destination, wrong queue type): nothing was moved."""


@dataclass
class MoveResult:
    moved: int = 0
    left: int = 0  # messages received but put back (a failed send)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Moved {self.moved} message(s)."
        if self.errors:
            text += f" Stopped: {self.errors[0]}"
            if self.left:
                text += f" ({self.left} message(s) left in the dead-letter queue)"
        return text


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
    return str(exc)


def _send_arguments(message: dict[str, Any], fifo: bool) -> dict[str, Any]:
    """SendMessage's arguments that re-create `message` (as received with all attributes)."""
    out: dict[str, Any] = {"MessageBody": message["Body"]}
    if message.get("MessageAttributes"):
        out["MessageAttributes"] = message["MessageAttributes"]
    attributes = message.get("Attributes", {})
    trace = attributes.get("AWSTraceHeader")
    if trace:
        out["MessageSystemAttributes"] = {
            "AWSTraceHeader": {"DataType": "String", "StringValue": trace}
        }
    if fifo:
        out["MessageGroupId"] = attributes.get("MessageGroupId", "redrive")
        out["MessageDeduplicationId"] = message["MessageId"]
    return out


class Destinations:
    """Where each message goes: one named queue, or back to the queue it came from (its
    DeadLetterQueueSourceArn, sqs/moto_patches.py), else `fallback_url` (a DLQ with one
    source). Queue URLs are looked up once per ARN."""

    def __init__(self, sqs: Any, fixed_url: str | None, fallback_url: str | None = None) -> None:
        self._sqs = sqs
        self._fixed = fixed_url
        self._fallback = fallback_url
        self._urls: dict[str, str] = {}

    def url_for(self, message: dict[str, Any]) -> str:
        if self._fixed is not None:
            return self._fixed
        arn = message.get("Attributes", {}).get("DeadLetterQueueSourceArn")
        if not arn:
            if self._fallback is None:
                raise RedriveError(
                    f"message {message.get('MessageId')} has no source queue recorded (it was "
                    "sent to the dead-letter queue directly): name a destination queue"
                )
            return self._fallback
        if arn not in self._urls:
            parts = arn.split(":")
            if len(parts) != 6:
                raise RedriveError(f"message {message.get('MessageId')}: bad source ARN {arn}")
            try:
                self._urls[arn] = self._sqs.get_queue_url(
                    QueueName=parts[5], QueueOwnerAWSAccountId=parts[4]
                )["QueueUrl"]
            except (ClientError, BotoCoreError) as exc:
                raise RedriveError(
                    f"the source queue {parts[5]} is gone: {_error_text(exc)}"
                ) from exc
        return self._urls[arn]


def move_messages(
    sqs: Any,
    source_url: str,
    destination_url: str | None,
    *,
    limit: int | None = None,
    on_progress: Callable[[MoveResult], None] | None = None,
    fallback_url: str | None = None,
    stop: Callable[[], bool] | None = None,
    per_second: int | None = None,
) -> MoveResult:
    """Move the messages of `source_url` (a DLQ) to `destination_url`, oldest first; with
    None, each message back to the queue it was moved from (else `fallback_url`).

    `sqs` is a boto3 SQS client. At most `limit` messages, by default the number the DLQ
    holds when the move starts. `stop()` true ends the move between batches (a cancelled
    task); `per_second` bounds the rate (StartMessageMoveTask's MaxNumberOfMessagesPerSecond)."""
    fifo = source_url.endswith(".fifo")
    for url in (destination_url, fallback_url):
        if url is not None and fifo != url.endswith(".fifo"):
            raise RedriveError("The destination queue must be of the same type (FIFO or standard).")
        if url == source_url:
            raise RedriveError("The destination is the dead-letter queue itself.")
    destinations = Destinations(sqs, destination_url, fallback_url)
    if limit is None:
        attributes = sqs.get_queue_attributes(
            QueueUrl=source_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        limit = int(attributes.get("ApproximateNumberOfMessages", 0))
    result = MoveResult()
    began = time.monotonic()
    while result.moved < limit and not result.errors:
        if stop is not None and stop():
            break
        batch = min(BATCH, limit - result.moved)
        if per_second:
            batch = min(batch, per_second)
            # Not ahead of the rate: the n-th message leaves no sooner than n / rate seconds in.
            time.sleep(max(0.0, began + result.moved / per_second - time.monotonic()))
        received = sqs.receive_message(
            QueueUrl=source_url,
            MaxNumberOfMessages=batch,
            VisibilityTimeout=VISIBILITY_SECONDS,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            break
        _move_batch(sqs, source_url, destinations, received, fifo, result)
        if on_progress is not None:
            on_progress(result)
    return result


def _move_batch(
    sqs: Any,
    source_url: str,
    destinations: Destinations,
    received: list[dict[str, Any]],
    fifo: bool,
    result: MoveResult,
) -> None:
    sent: list[dict[str, Any]] = []
    for index, message in enumerate(received):
        try:
            destination = destinations.url_for(message)
            if destination.endswith(".fifo") != fifo:
                raise RedriveError(
                    "The destination queue must be of the same type (FIFO or standard)."
                )
            sqs.send_message(QueueUrl=destination, **_send_arguments(message, fifo))
        except (ClientError, BotoCoreError, RedriveError) as exc:
            result.errors.append(_error_text(exc))
            _put_back(sqs, source_url, received[index:], result)
            break
        sent.append(message)
    if not sent:
        return
    entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(sent)]
    try:
        deleted = sqs.delete_message_batch(QueueUrl=source_url, Entries=entries)
    except (ClientError, BotoCoreError) as exc:
        # Sent but still in the DLQ: visible again after the timeout, a duplicate at worst.
        result.errors.append(f"sent but not deleted from the dead-letter queue: {_error_text(exc)}")
        result.moved += len(sent)
        return
    result.moved += len(sent)
    for failed in deleted.get("Failed", []):
        result.errors.append(f"sent but not deleted: {failed.get('Message', failed.get('Code'))}")


def _put_back(
    sqs: Any, source_url: str, messages: list[dict[str, Any]], result: MoveResult
) -> None:
    """Make `messages` visible in the DLQ again now (ChangeMessageVisibility to 0)."""
    result.left += len(messages)
    entries = [
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
        for i, m in enumerate(messages)
    ]
    # On failure they become visible when VISIBILITY_SECONDS is over: still in the DLQ.
    with contextlib.suppress(ClientError, BotoCoreError):
        sqs.change_message_visibility_batch(QueueUrl=source_url, Entries=entries)
