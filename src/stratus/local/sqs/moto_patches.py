"""ReceiveMessage answers `DeadLetterQueueSourceArn` (moto 5.2.5 patch).

SQS records, on a message it moves to a dead-letter queue, the ARN of the queue it came
from, and ReceiveMessage returns it when asked (`MessageSystemAttributeNames` naming it or
`All`): "DeadLetterQueueSourceArn - Returns the ARN of the source queue"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html).
A redrive with no destination sends each message back to that queue
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html).
moto neither records nor returns it: the move (motofast/sqs_queue.py) records it on the
message as `dead_letter_source_arn`, and this wraps `SQSResponse.receive_message` to add it
to the answer of a receive that asked for it.

Upstream note: moto's `Message` could carry the attribute and `receive_message` list it
among SUPPORTED_SYSTEM_MESSAGE_ATTRIBUTE_NAMES.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

ATTRIBUTE = "DeadLetterQueueSourceArn"
_PATCHED = "_stratus_dlq_source"


def _asked(response: Any) -> bool:
    names: list[Any] = []
    for param in ("MessageSystemAttributeNames", "AttributeNames"):
        value = response._get_param(param, [])
        if isinstance(value, list):
            names += value
    return _wanted(names)


def _wanted(names: Collection[Any]) -> bool:
    return "All" in names or ATTRIBUTE in names


def _add_sources(response: Any, result: Any) -> None:
    messages = result.result.get("Messages") if isinstance(result.result, dict) else None
    if messages:
        add_sources(response.sqs_backend.get_queue(response._get_queue_name()), messages)


def add_sources(queue: Any, messages: list[dict[str, Any]]) -> None:
    """Each received message moved from another queue gets that queue's ARN."""
    from stratus.local.motofast.sqs_queue import _index

    handles = _index(queue)
    for answer in messages:
        message = handles.get(answer["ReceiptHandle"])
        source = getattr(message, "dead_letter_source_arn", None)
        if source:
            answer.setdefault("Attributes", {})[ATTRIBUTE] = source


def _direct_extra(queue: Any, asked: set[str], messages: list[dict[str, Any]]) -> None:
    """The same addition on the direct route (motofast.sqs_direct)."""
    if _wanted(asked):
        add_sources(queue, messages)


def install() -> None:
    from moto.sqs.responses import SQSResponse

    from stratus.local.motofast import sqs_direct

    if _direct_extra not in sqs_direct.RECEIVE_EXTRAS:
        sqs_direct.RECEIVE_EXTRAS.append(_direct_extra)

    original = SQSResponse.receive_message
    if getattr(original, _PATCHED, False):
        return

    def receive_message(self: Any) -> Any:
        result = original(self)
        if _asked(self):
            _add_sources(self, result)
        return result

    setattr(receive_message, _PATCHED, True)
    receive_message.__wrapped__ = original  # type: ignore[attr-defined]
    SQSResponse.receive_message = receive_message  # type: ignore[method-assign]
