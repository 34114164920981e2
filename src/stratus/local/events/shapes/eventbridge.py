"""EventBridge envelopes from PutEvents entries, and how targets receive them.

Envelope: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
(version "0", id, detail-type, source, account, time in ISO 8601 with `Z`, region, resources,
detail). Entry checks: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html
(Source, DetailType and Detail required; Detail a JSON object; 256 KB per request,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
A Lambda target is invoked with the event itself; an SQS target gets it as the message body
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from stratus.local.events.shapes.common import iso_seconds

MAX_ENTRY_BYTES = 256 * 1024


class EntryError(ValueError):
    """A per-entry PutEvents failure: reported in the result's Entries, not raised by the API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def entry_size(entry: Mapping[str, Any]) -> int:
    """An entry's size as EventBridge counts it (eb-putevent-size.html): UTF-8 bytes of Source,
    DetailType, Detail and each Resource, plus 14 bytes when Time is set."""
    size = 14 if entry.get("Time") is not None else 0
    for name in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(name) or "").encode())
    return size + sum(len(r.encode()) for r in entry.get("Resources") or [])


def envelope(
    entry: Mapping[str, Any], *, event_id: str, account: str, region: str, now: datetime
) -> dict[str, Any]:
    """The event EventBridge builds from one PutEvents entry; raises EntryError if invalid."""
    for name in ("Source", "DetailType", "Detail"):
        if not entry.get(name):
            raise EntryError(
                "InvalidArgument",
                f"Parameter {name} is not valid. Reason: {name} is a required argument.",
            )
    try:
        detail = json.loads(entry["Detail"])
    except json.JSONDecodeError as exc:
        raise EntryError("MalformedDetail", "Detail is malformed.") from exc
    if not isinstance(detail, dict):
        raise EntryError("MalformedDetail", "Detail is malformed.")
    if entry_size(entry) > MAX_ENTRY_BYTES:
        raise EntryError("InvalidArgument", "Event size exceeds 256 KB.")
    time = entry.get("Time") or now
    return {
        "version": "0",
        "id": event_id,
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account,
        "time": iso_seconds(time),
        "region": region,
        "resources": list(entry.get("Resources") or []),
        "detail": detail,
    }


def sqs_body(event: Mapping[str, Any]) -> str:
    """The body of the SQS message an SQS target receives (the event as JSON)."""
    return json.dumps(event, separators=(",", ":"))
