"""Where function logs go: CloudWatch Logs on the local endpoint (readable with `aws logs`).

`put` is called on the invoke path, so the CloudWatch sink only queues; one background
thread creates groups and streams as needed and ships batches through `logs`, a CloudWatch
Logs call by operation name: in the cloud the endpoint answers it in-process
(`core.service_call.blocking`); a boto3 client works too (`boto3_logs`). In-process, a
shipment costs no boto3 client and no loopback HTTP: through boto3 the shipping thread had
been 6.7% of the cloud's CPU samples under fifty users. A failed shipment is logged and
dropped: logs must never fail or slow an invocation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from botocore import xform_name
from botocore.exceptions import ClientError

from stratus.local.core.service_call import ServiceCallError, blocking, local_caller

if TYPE_CHECKING:
    from stratus.local.core.context import CloudContext

logger = logging.getLogger(__name__)

# CloudWatch Logs limits for one PutLogEvents call.
_MAX_BATCH_EVENTS = 10_000
_MAX_BATCH_BYTES = 1_048_576
_EVENT_OVERHEAD = 26
_MAX_MESSAGE_BYTES = 256 * 1024 - _EVENT_OVERHEAD


_Item = tuple[str, str, list[tuple[int, str]]] | threading.Event | None


class LogsCall(Protocol):
    """A CloudWatch Logs operation by name; an AWS error raises ServiceCallError."""

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]: ...


def boto3_logs(client_factory: Callable[[], Any]) -> LogsCall:
    """`LogsCall` through a boto3 `logs` client (its errors as ServiceCallError)."""

    def call(operation: str, **params: Any) -> dict[str, Any]:
        client = client_factory()
        try:
            answer: dict[str, Any] = getattr(client, xform_name(operation))(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            raise ServiceCallError(
                status, str(error.get("Code", "Unknown")), str(error.get("Message", ""))
            ) from exc
        return answer

    return call


class LogSink(Protocol):
    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        """Record events (epoch ms, message) in a log group/stream; must not block."""
        ...


class MemoryLogSink:
    """Keeps events in memory: for tests and for tools that want to watch logs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.streams: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(dict)

    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        with self._lock:
            self.streams[group].setdefault(stream, []).extend(events)

    def messages(self, group: str) -> list[str]:
        with self._lock:
            return [m for events in self.streams.get(group, {}).values() for _, m in events]


def in_process_logs(cloud: CloudContext) -> LogsCall:
    """`LogsCall` answered by the cloud's endpoint in-process, from the shipping thread.
    Call from the cloud's event loop (the shipping runs on it)."""
    return blocking(local_caller(cloud, "logs"), asyncio.get_running_loop())


class CloudWatchLogSink:
    """Ships events to CloudWatch Logs through `logs` (see the module docstring)."""

    def __init__(self, logs: LogsCall, *, linger_seconds: float = 0.25) -> None:
        self._logs = logs
        # Lambda's own log shipping is asynchronous too (lines reach CloudWatch within
        # seconds); waiting a moment turns one PutLogEvents per invocation into one per batch,
        # which keeps log shipping off the warm request path's CPU budget.
        self._linger = linger_seconds
        # Items: events to ship, an Event to set once everything before it is shipped, or
        # None to stop.
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._streams: set[tuple[str, str]] = set()
        self._groups: set[str] = set()

    def put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        if not events:
            return
        self._start()
        self._queue.put((group, stream, list(events)))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is shipped (or dropped); True if done in time."""
        done = threading.Event()
        self._start()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Ship what is queued, then stop the thread."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="stratus-lambda-logs", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item: _Item = self._queue.get()
            if isinstance(item, tuple) and self._linger > 0:
                time.sleep(self._linger)
            batch: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
            markers: list[threading.Event] = []
            while True:  # drain what is queued into one batch per stream
                if item is None:
                    stopping = True
                elif isinstance(item, threading.Event):
                    markers.append(item)
                else:
                    batch[(item[0], item[1])].extend(item[2])
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            for (group, stream), events in batch.items():
                try:
                    self._ship(group, stream, events)
                except Exception as e:  # never let logging take the runtime down
                    logger.warning("could not ship %d log events to %s: %s", len(events), group, e)
            for marker in markers:
                marker.set()

    def _ship(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        self._ensure_stream(group, stream)
        ordered = sorted(
            ((ts, _clip(msg)) for ts, msg in events if msg), key=lambda e: e[0]
        )  # CloudWatch wants chronological order and rejects empty messages
        for chunk in _chunks(ordered):
            log_events = [{"timestamp": ts, "message": msg} for ts, msg in chunk]
            put = {"logGroupName": group, "logStreamName": stream, "logEvents": log_events}
            try:
                self._logs("PutLogEvents", **put)
            except ServiceCallError as exc:
                if exc.code != "ResourceNotFoundException":
                    raise
                # The group or stream went away (a fresh local cloud): recreate and retry once.
                self._groups.discard(group)
                self._streams.discard((group, stream))
                self._ensure_stream(group, stream)
                self._logs("PutLogEvents", **put)

    def _ensure_stream(self, group: str, stream: str) -> None:
        if group not in self._groups:
            with _existing():
                self._logs("CreateLogGroup", logGroupName=group)
            self._groups.add(group)
        if (group, stream) not in self._streams:
            with _existing():
                self._logs("CreateLogStream", logGroupName=group, logStreamName=stream)
            self._streams.add((group, stream))


@contextlib.contextmanager
def _existing() -> Iterator[None]:
    """Creating what already exists is fine."""
    try:
        yield
    except ServiceCallError as exc:
        if exc.code != "ResourceAlreadyExistsException":
            raise


def _clip(message: str) -> str:
    raw = message.encode("utf-8")
    if len(raw) <= _MAX_MESSAGE_BYTES:
        return message
    return raw[:_MAX_MESSAGE_BYTES].decode("utf-8", "ignore")


def _chunks(events: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    chunks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    size = 0
    for ts, msg in events:
        cost = len(msg.encode("utf-8")) + _EVENT_OVERHEAD
        if current and (len(current) >= _MAX_BATCH_EVENTS or size + cost > _MAX_BATCH_BYTES):
            chunks.append(current)
            current, size = [], 0
        current.append((ts, msg))
        size += cost
    if current:
        chunks.append(current)
    return chunks
