"""One trace across queues, topics and buses: the caller's `X-Amzn-Trace-Id` travels with
the message, and the function the message reaches continues that trace.

What AWS does, copied here:
- SQS keeps the trace header of a SendMessage / SendMessageBatch request (the SDK sends it
  as `X-Amzn-Trace-Id`) on each message as the system attribute `AWSTraceHeader`; an
  `AWSTraceHeader` the sender set itself wins over the HTTP header; Lambda's SQS event
  source continues the trace of the messages it hands over
  (https://docs.aws.amazon.com/xray/latest/devguide/xray-services-sqs.html).
- SNS passes the publisher's trace context to its subscribers, active tracing on the topic
  or not (https://docs.aws.amazon.com/xray/latest/devguide/xray-services-sns.html); locally
  to SQS (as `AWSTraceHeader`) and Lambda subscriptions. The SNS segments of active tracing
  are not recorded.
- EventBridge passes a PutEvents trace header to each target (an entry's `TraceHeader`
  wins over the HTTP header), never inside the event; invalid headers are dropped; the
  DLQ's SendMessage carries it too. Locally: to Lambda and SQS targets, and to SNS topics
  and other buses as the HTTP header of the cloud's own Publish / PutEvents
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-related-service-xray.html).
- Kinesis and DynamoDB streams carry no trace header: a stream record has no field for
  one (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_Record.html,
  https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Record.html)
  and X-Ray links event-driven traces through SQS only
  (https://docs.aws.amazon.com/xray/latest/devguide/xray-tracelinking.html), so a function
  reading a stream starts its own trace, locally too.

The endpoint records no segment of its own for these calls: the caller's X-Ray SDK already
records the client subsegment. Hand-written: the X-Ray SDK propagates inside one process;
these are the hops between the local cloud's services, each a few lines.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.registry import Hook
from stratus.local.xray.header import parse
from stratus.local.xray.recorder import INCOMING

SQS_ATTRIBUTE = "AWSTraceHeader"
HTTP_HEADER = "x-amzn-trace-id"

# The caller's trace header while a message-sending call is answered (moto's worker thread
# sees it: the request's context is copied there).
CALLER: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "stratus_xray_caller", default=None
)

# The calls whose messages carry the caller's trace to their consumers.
CARRIERS = (
    ("sqs", "SendMessage"),
    ("sqs", "SendMessageBatch"),
    ("sns", "Publish"),
    ("sns", "PublishBatch"),
)

_PATCHED = "_stratus_trace_header"


def valid(value: Any) -> str | None:
    """A trace header as X-Ray keeps it, or None: invalid headers are dropped."""
    header = parse(value) if isinstance(value, str) else None
    return header.render() if header is not None else None


def caller_of(call: AwsCall) -> str | None:
    return valid(call.request.headers.get(HTTP_HEADER))


async def capture(call: AwsCall) -> Response | None:
    """Before-hook: remember the caller's header for the messages this call makes."""
    CALLER.set(caller_of(call))
    return None


def hooks() -> list[Hook]:
    return [Hook(service, operation, before=capture) for service, operation in CARRIERS]


# -- SQS: the AWSTraceHeader system attribute -----------------------------------------
def with_trace(system_attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The message's system attributes, with the caller's header unless it set its own."""
    header = CALLER.get()
    current = dict(system_attributes or {})
    if header is None or current.get(SQS_ATTRIBUTE):
        return current or None
    current[SQS_ATTRIBUTE] = {"DataType": "String", "StringValue": header}
    return current


# The batch entries' own MessageSystemAttributes, in the order moto sends them: moto 5.2.5's
# `send_message_batch` drops them (upstream: it could pass each entry's to send_message).
_ENTRIES: contextvars.ContextVar[Iterator[Any] | None] = contextvars.ContextVar(
    "stratus_xray_batch_entries", default=None
)


def install_sqs() -> None:
    """Wrap moto's `SQSBackend.send_message` (also what SendMessageBatch and the fast path
    call per message) so each message keeps the caller's trace header, and
    `send_message_batch` so each entry keeps its own system attributes."""
    from moto.sqs.models import SQSBackend

    original = SQSBackend.send_message
    if getattr(original, _PATCHED, False):
        return
    original_batch = SQSBackend.send_message_batch

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        if len(args) >= 6:  # system_attributes given positionally (moto never does)
            return original(self, *args, **kwargs)
        entries = _ENTRIES.get()
        own = next(entries, None) if entries is not None else None
        kwargs["system_attributes"] = with_trace(kwargs.get("system_attributes") or own)
        return original(self, *args, **kwargs)

    def send_message_batch(self: Any, queue_name: str, entries: dict[str, Any]) -> Any:
        own = [e.get("MessageSystemAttributes") for e in entries.values()]
        token = _ENTRIES.set(iter(own))
        try:
            return original_batch(self, queue_name, entries)
        finally:
            _ENTRIES.reset(token)

    setattr(send_message, _PATCHED, True)
    send_message.__wrapped__ = original  # type: ignore[attr-defined]
    send_message_batch.__wrapped__ = original_batch  # type: ignore[attr-defined]
    SQSBackend.send_message = send_message  # type: ignore[method-assign]
    SQSBackend.send_message_batch = send_message_batch  # type: ignore[method-assign]


def sqs_system_attributes(header: str | None) -> dict[str, Any]:
    """SendMessage's `MessageSystemAttributes` for a delivery that carries `header`."""
    if header is None:
        return {}
    return {SQS_ATTRIBUTE: {"DataType": "String", "StringValue": header}}


def batch_trace(records: Sequence[Mapping[str, Any]]) -> str | None:
    """The trace a batch of SQS records continues: the first record's `AWSTraceHeader`.
    (AWS links the other messages' traces to it; locally they are not linked.)"""
    for record in records:
        header = valid((record.get("attributes") or {}).get(SQS_ATTRIBUTE))
        if header is not None:
            return header
    return None


# -- the cloud's own calls (a delivery to an SNS topic or an event bus) -----------------
OUTGOING: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "stratus_xray_outgoing", default=None
)
_HANDLER_ID = "stratus-xray-outgoing"


def _add_header(request: Any, **_: Any) -> None:
    header = OUTGOING.get()
    if header is not None and "X-Amzn-Trace-Id" not in request.headers:
        request.headers["X-Amzn-Trace-Id"] = header


def traced_client(client: Any, header: str | None) -> Any:
    """`client`, sending `OUTGOING` as `X-Amzn-Trace-Id` (as an instrumented SDK sends its
    trace) once a call carries a `header`, so the next service passes the trace on; the
    handler is registered once per client."""
    if header is not None:
        client.meta.events.register("before-sign", _add_header, unique_id=_HANDLER_ID)
    return client


@contextmanager
def outgoing(header: str | None) -> Iterator[None]:
    """The cloud's calls made inside carry `header` (on clients from `traced_client`)."""
    token = OUTGOING.set(header)
    try:
        yield
    finally:
        OUTGOING.reset(token)


# -- EventBridge ----------------------------------------------------------------------
def entry_trace(entry: Mapping[str, Any], http_header: str | None) -> str | None:
    """An entry's `TraceHeader` when valid, else the request's header."""
    return valid(entry.get("TraceHeader")) or http_header


# -- Lambda ---------------------------------------------------------------------------
@contextmanager
def continuing(header: str | None) -> Iterator[None]:
    """Invocations started inside continue `header`'s trace (Event invocations too: their
    task copies this context when queued). Nothing changes without a header."""
    if header is None:
        yield
        return
    token = INCOMING.set(parse(header))
    try:
        yield
    finally:
        INCOMING.reset(token)
