"""Look at the messages of a queue without receiving them (the console's DLQ view).

The AWS console's "Poll for messages" is a ReceiveMessage: each message it shows becomes
invisible for the visibility timeout
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html)
and counts as a receive towards the source queue's maxReceiveCount
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html),
so looking at a queue can push a message into its dead-letter queue.
A local console that changed what the application sees while a developer looks would make
the system under test behave differently from AWS, so this module reads moto's queue (in
this process) instead: no receipt handle drawn, no count raised, nothing journaled. Only a
page of messages is copied (`limit`), never the whole queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

BODY_PREVIEW = 4096  # characters of a body a page shows


class QueueNotFound(LookupError):
    pass


@dataclass(frozen=True)
class PeekedMessage:
    message_id: str
    body: str  # at most BODY_PREVIEW characters
    body_size: int
    sent: datetime | None
    receive_count: int
    state: str  # "visible", "in flight" or "delayed"
    group_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # name -> value (as text)


@dataclass(frozen=True)
class Peek:
    total: int
    offset: int
    messages: list[PeekedMessage]


def _queue(account: str, region: str, name: str) -> Any:
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[account][region]
    queue = backend.queues.get(name)
    if queue is None:
        raise QueueNotFound(name)
    return queue


def _state(message: Any) -> str:
    if message.delayed:
        return "delayed"
    return "visible" if message.visible else "in flight"


def _attribute_text(value: dict[str, Any]) -> str:
    if value.get("StringValue") is not None:
        return str(value["StringValue"])
    binary = value.get("BinaryValue")
    return f"({len(binary)} bytes binary)" if binary is not None else ""


def _peeked(message: Any) -> PeekedMessage:
    body = str(message.body)
    sent = message.sent_timestamp
    return PeekedMessage(
        message_id=str(message.id),
        body=body[:BODY_PREVIEW],
        body_size=len(body.encode()),
        sent=datetime.fromtimestamp(sent / 1000, UTC) if sent else None,
        receive_count=int(message.approximate_receive_count),
        state=_state(message),
        group_id=message.group_id,
        attributes={
            str(k): _attribute_text(v) for k, v in dict(message.message_attributes).items()
        },
    )


def peek(account: str, region: str, name: str, *, offset: int = 0, limit: int = 50) -> Peek:
    """Messages `offset`..`offset+limit` of queue `name`, oldest first, unchanged."""
    queue = _queue(account, region, name)
    messages = queue._messages  # moto's list; slicing copies only the page
    return Peek(
        total=len(messages),
        offset=offset,
        messages=[_peeked(m) for m in messages[offset : offset + limit]],
    )
