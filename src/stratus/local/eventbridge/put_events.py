"""PutEvents as EventBridge answers it: request limits, per-entry results, accepted envelopes.

moto 5.2.5's PutEvents differs from AWS where users can tell:
- it fails the whole request with ResourceNotFoundException when an entry names a bus that
  does not exist; AWS accepts the entry (an EventId, FailedEntryCount 0) and drops the event
  (https://github.com/aws/aws-cli/issues/9186, https://github.com/aws/aws-sdk/issues/186);
- it accepts a Detail that is JSON but not an object (AWS: MalformedDetail), no size limit;
- it keeps `Time` as an epoch number in the envelope instead of ISO 8601.

Limits (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html):
Entries holds 1 to 10 items; the entries' total size, counted as
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html says
(`shapes.eventbridge.entry_size`), must stay under 256 KB, else the request fails. Each
entry fails alone otherwise, in the response's Entries (same order as the request) with
ErrorCode/ErrorMessage, counted in FailedEntryCount
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stratus.local.events.shapes.eventbridge import (
    MAX_ENTRY_BYTES,
    EntryError,
    entry_size,
    envelope,
)
from stratus.local.xray.propagation import entry_trace

MAX_ENTRIES = 10


class PutEventsValidationError(ValueError):
    """The whole request is rejected (ValidationException, HTTP 400)."""


@dataclass(frozen=True)
class Accepted:
    """One accepted entry: the bus it goes to and the event EventBridge built."""

    bus_name: str
    event: dict[str, Any]
    trace_header: str | None = None  # X-Ray's, passed to the targets beside the event


@dataclass
class PutEventsResult:
    entries: list[dict[str, str]] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for entry in self.entries if "ErrorCode" in entry)

    def response(self) -> dict[str, Any]:
        return {"FailedEntryCount": self.failed, "Entries": self.entries}


def bus_name(name_or_arn: str | None) -> str:
    """An entry's EventBusName (a name or an ARN) as a bus name; absent means `default`."""
    if not name_or_arn:
        return "default"
    if name_or_arn.startswith("arn:"):
        return name_or_arn.rsplit("event-bus/", 1)[-1]
    return name_or_arn


def _entry_time(value: Any) -> datetime | None:
    """`Time` on the wire is epoch seconds (the JSON protocol's timestamp)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError) as exc:
        raise EntryError("InvalidArgument", "Parameter Time is not valid.") from exc


def put_events(
    params: Mapping[str, Any],
    *,
    account: str,
    region: str,
    now: datetime | None = None,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    trace_header: str | None = None,
) -> PutEventsResult:
    """Validate a PutEvents request and build each accepted entry's event; `trace_header`
    is the request's (valid) X-Amzn-Trace-Id, an entry's own TraceHeader wins over it."""
    entries = params.get("Entries")
    if not isinstance(entries, list) or not entries:
        raise PutEventsValidationError(
            "1 validation error detected: Value '[]' at 'entries' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1"
        )
    if len(entries) > MAX_ENTRIES:
        raise PutEventsValidationError(
            "1 validation error detected: Value '[PutEventsRequestEntry]' at 'entries' "
            "failed to satisfy constraint: Member must have length less than or equal to 10"
        )
    if sum(entry_size(e) for e in entries if isinstance(e, Mapping)) > MAX_ENTRY_BYTES:
        raise PutEventsValidationError(
            "Total size of the entries in the request is over the limit."
        )
    moment = now or datetime.now(UTC)
    result = PutEventsResult()
    for entry in entries:
        if not isinstance(entry, Mapping):
            result.entries.append(
                {"ErrorCode": "InvalidArgument", "ErrorMessage": "Entry is not valid."}
            )
            continue
        try:
            event_id = new_id()
            event = envelope(
                {**entry, "Time": _entry_time(entry.get("Time"))},
                event_id=event_id,
                account=account,
                region=region,
                now=moment,
            )
        except EntryError as exc:
            result.entries.append({"ErrorCode": exc.code, "ErrorMessage": exc.message})
            continue
        result.entries.append({"EventId": event_id})
        trace = entry_trace(entry, trace_header)
        result.accepted.append(Accepted(bus_name(entry.get("EventBusName")), event, trace))
    return result
