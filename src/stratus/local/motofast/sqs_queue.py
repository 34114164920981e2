"""SQS calls that do not scan every message of a deep queue (moto 5.2.5 patch).

What upstream lacks, for a queue holding N messages:
- ReceiveMessage iterates `Queue.messages`, a property that builds the list of all visible
  messages (two clock reads per message) to take the first one; and for every message it
  returns, `is_message_valid_based_on_retention_period` asks `get_queue_attributes`, which
  builds `Queue.attributes` twice — each time three more passes over all N messages.
- SendMessage reads `queue.attributes` (three passes) to learn ContentBasedDeduplication;
  the patch reads the one attribute (`content_based_deduplication`), as `attributes` would
  report it.
- DeleteMessage and ChangeMessageVisibility look for the receipt handle in every message
  (`had_receipt_handle` builds a list per message), then DeleteMessage rebuilds the list.
On a queue of 1,000 messages a send + receive + delete took ~90 ms.

The patch keeps moto's data and semantics:
- receive walks `queue._messages` lazily, in the same order, with the same filters (visible,
  not delayed, FIFO groups in flight skipped, redrive to the dead-letter queue, retention)
  and stops when it has `count` messages; the retention check reads the queue's one
  attribute. Each receipt handle a receive hands out is indexed (queue → handle → message).
- delete and change-visibility find the message through that index and check that it is
  still in the queue (an identity search, no per-message Python work); a handle the index
  does not know takes moto's original path, so errors and old handles answer as before.
- the three approximate counts are one cheap pass each (one clock read, no properties).

Upstream note: the receive loop and the retention check are small changes to
`SQSBackend.receive_message`; a handle index on `Queue` would serve delete and
change-visibility.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

_PATCHED = "_stratus_sqs_index"
_INDEX = "_stratus_handles"
# (class, attribute) -> moto's own definition, for tests that compare both.
ORIGINALS: dict[tuple[type, str], Any] = {}


def _index(queue: Any) -> dict[str, Any]:
    found = queue.__dict__.get(_INDEX)
    if found is None:
        found = queue.__dict__[_INDEX] = {}
    return found


def _find(queue: Any, receipt_handle: str) -> tuple[Any, int] | None:
    """The message that was given `receipt_handle` and its place in the queue, or None."""
    handles = _index(queue)
    message = handles.get(receipt_handle)
    if message is None:
        return None
    try:  # Message has no __eq__: an identity search, in C
        return message, queue._messages.index(message)
    except ValueError:  # gone (purged, moved to a dead-letter queue): forget the handle
        handles.pop(receipt_handle, None)
        return None


def knows_handle(queue: Any, receipt_handle: str) -> bool:
    """Whether DeleteMessage of `receipt_handle` succeeds without moto's scan: deleted
    before (moto answers as a success) or handed out by a receive and still queued."""
    return receipt_handle in queue.deleted_messages or _find(queue, receipt_handle) is not None


def receive_message(
    self: Any,
    queue_name: str,
    count: int,
    wait_seconds_timeout: int,
    visibility_timeout: int,
    message_attribute_names: list[str] | None = None,
) -> list[Any]:
    """moto's `SQSBackend.receive_message`, iterating the queue lazily."""
    from moto.core.utils import unix_time
    from moto.sqs.models import _filter_message_attributes

    if message_attribute_names is None:
        message_attribute_names = []
    queue = self.get_queue(queue_name)
    handles = _index(queue)
    result: list[Any] = []
    previous_result_count = len(result)

    polling_end = unix_time() + wait_seconds_timeout
    currently_pending_groups = deepcopy(queue.pending_message_groups)

    while True:
        if result or (wait_seconds_timeout and unix_time() > polling_end):
            break

        messages_to_dlq: list[Any] = []

        for message in queue._messages:
            if not message.visible or message.delayed:  # moto: `queue.messages` only
                continue

            if message in queue.pending_messages:
                queue.pending_messages.remove(message)
                currently_pending_groups = deepcopy(queue.pending_message_groups)

            if (
                message.group_id
                and queue.fifo_queue
                and message.group_id in currently_pending_groups
            ):
                continue

            if (
                queue.dead_letter_queue is not None
                and queue.redrive_policy
                and message.approximate_receive_count >= queue.redrive_policy["maxReceiveCount"]
            ):
                messages_to_dlq.append(message)
                continue

            queue.pending_messages.add(message)
            message.mark_received(visibility_timeout=visibility_timeout)
            handles[message.receipt_handle] = message
            message_copy = deepcopy(message)
            _filter_message_attributes(message_copy, message_attribute_names)
            if not self.is_message_valid_based_on_retention_period(queue_name, message):
                break
            result.append(message_copy)
            if len(result) >= count:
                break

        for message in messages_to_dlq:
            queue._messages.remove(message)
            # Where it came from, for ReceiveMessage's DeadLetterQueueSourceArn and a
            # redrive back to "the original source queues" (sqs/moto_patches.py).
            message.dead_letter_source_arn = queue.queue_arn
            queue.dead_letter_queue.add_message(message)

        if previous_result_count == len(result):
            if wait_seconds_timeout == 0:
                break
            queue.wait_for_messages(1)
            continue

        previous_result_count = len(result)

    return result


def content_based_deduplication(queue: Any) -> bool:
    """`queue.attributes.get("ContentBasedDeduplication") == "true"`, as moto's SendMessage
    asks it, without building every attribute (three passes over the messages): the key is
    there only for a FIFO queue, its value lowered to "true"/"false" when it is a bool."""
    if not queue.fifo_queue:
        return False
    value = queue.content_based_deduplication
    if isinstance(value, bool):
        value = str(value).lower()
    return bool(value == "true")


def send_message(
    self: Any,
    queue_name: str,
    message_body: str,
    message_attributes: dict[str, Any] | None = None,
    delay_seconds: int | None = None,
    deduplication_id: str | None = None,
    group_id: str | None = None,
    system_attributes: dict[str, Any] | None = None,
    validate_group_id: bool = True,
) -> Any:
    """moto's `SQSBackend.send_message`; only the ContentBasedDeduplication test differs."""
    import hashlib
    import string

    from moto.moto_api._internal import mock_random as random
    from moto.sqs.exceptions import InvalidParameterValue
    from moto.sqs.models import MAXIMUM_MESSAGE_DELAY, Message

    queue = self.get_queue(queue_name)

    self._validate_message(
        queue,
        message_body=message_body,
        delay_seconds=int(delay_seconds or 0),
        deduplication_id=deduplication_id,
        group_id=group_id,
        validate_group_id=validate_group_id,
    )

    delay_seconds = int(delay_seconds) if delay_seconds is not None else queue.delay_seconds

    message_id = str(random.uuid4())
    message = Message(message_id, message_body, system_attributes)

    if content_based_deduplication(queue):  # moto: queue.attributes.get(...) == "true"
        sha256 = hashlib.sha256()
        sha256.update(message_body.encode("utf-8"))
        message.deduplication_id = sha256.hexdigest()

    if deduplication_id is not None:
        message.deduplication_id = deduplication_id
        message.sequence_number = "".join(random.choice(string.digits) for _ in range(20))

    if group_id is not None:
        message.group_id = group_id

    if message_attributes:
        message.message_attributes = message_attributes

    if delay_seconds > MAXIMUM_MESSAGE_DELAY:
        msg = (
            f"Value {delay_seconds} for parameter DelaySeconds is invalid. "
            "Reason: DelaySeconds must be >= 0 and <= 900."
        )
        raise InvalidParameterValue(msg)

    message.mark_sent(delay_seconds=delay_seconds)

    queue.add_message(message)

    return message


def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
    from moto.core.utils import unix_time

    retention_period = self.get_queue(queue_name).message_retention_period
    retain_until = retention_period + message.sent_timestamp / 1000
    return not retain_until <= unix_time()


_installed = False


def install() -> None:
    from moto.core.utils import unix_time_millis
    from moto.sqs.models import Queue, SQSBackend

    # Once per process, whatever wraps these methods afterwards (core.determinism wraps
    # receive_message for the journal's long polls: a second install must not unwrap it).
    global _installed
    if _installed or getattr(SQSBackend.receive_message, _PATCHED, False):
        return
    _installed = True

    original_delete = Queue.delete_message
    original_change = SQSBackend.change_message_visibility

    def delete_message(self: Any, receipt_handle: str) -> None:
        found = _find(self, receipt_handle)
        if found is None or receipt_handle in self.deleted_messages:
            original_delete(self, receipt_handle)
            return
        message, at = found
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        handles = _index(self)
        for handle in message.all_receipt_handles:
            handles.pop(handle, None)
        self._messages = self._messages[:at] + self._messages[at + 1 :]  # a new list, as moto

    def change_message_visibility(
        self: Any, queue_name: str, receipt_handle: str, visibility_timeout: int
    ) -> None:
        from moto.sqs.exceptions import InvalidParameterValue

        queue = self.get_queue(queue_name)
        found = _find(queue, receipt_handle)  # handles are unique: one message has had it
        if found is None:
            original_change(self, queue_name, receipt_handle, visibility_timeout)
            return
        message = found[0]
        visibility_timeout_msec = int(visibility_timeout) * 1000
        given_visibility_timeout = unix_time_millis() + visibility_timeout_msec
        if given_visibility_timeout - message.sent_timestamp > 43200 * 1000:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. "
                "Reason: Total VisibilityTimeout for the message is beyond the limit "
                "[43200 seconds]"
            )
        message.change_visibility(visibility_timeout)
        if message.visible and message in queue.pending_messages:
            queue.pending_messages.remove(message)

    def approximate_number_of_messages(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if now > m.visible_at and not now < m.delayed_until)

    def approximate_number_of_messages_delayed(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def approximate_number_of_messages_not_visible(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    for owner, name in (
        (SQSBackend, "send_message"),
        (SQSBackend, "receive_message"),
        (SQSBackend, "is_message_valid_based_on_retention_period"),
        (SQSBackend, "change_message_visibility"),
        (Queue, "delete_message"),
        (Queue, "approximate_number_of_messages"),
        (Queue, "approximate_number_of_messages_delayed"),
        (Queue, "approximate_number_of_messages_not_visible"),
    ):
        ORIGINALS[(owner, name)] = owner.__dict__[name]
    setattr(receive_message, _PATCHED, True)
    SQSBackend.receive_message = receive_message  # type: ignore[method-assign]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )
    SQSBackend.change_message_visibility = change_message_visibility  # type: ignore[method-assign]
    Queue.delete_message = delete_message  # type: ignore[method-assign]
    Queue.approximate_number_of_messages = property(approximate_number_of_messages)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages_delayed = property(  # type: ignore[assignment,method-assign]
        approximate_number_of_messages_delayed
    )
    Queue.approximate_number_of_messages_not_visible = property(  # type: ignore[assignment,method-assign]
        approximate_number_of_messages_not_visible
    )
