"""The daily export (one day's counters -> `exports/YYYY-MM-DD.json`) and the report it
triggers (`exports/...json` -> `reports/YYYY-MM-DD.html`). S3 and the counters are injected.

Which day: the schedule's event (`source` `aws.events`, fired at 00:05 UTC) exports the UTC
day before its `time`; an operator (or a test) invokes the function with `{"day":
"YYYY-MM-DD"}` for any day up to today. Anything else is a `BadExportEventError` (400).

Idempotent: the document holds only the day's figures (no write time), so the same counters
give the same bytes; its SHA-256 rides in the object's metadata, and an export whose bytes
are already there is not written again, so a re-run adds no version and no S3 event. A
re-run after late records changed the day writes the new figures, and its event the new
report. A day without events is an export with no products, and a report saying so.
The report is made from the object the S3 event names: its key must be
`exports/<date>.json`, anything else is refused (a clear error, no report written).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote_plus

from stratus.runtime.errors import ValidationError
from stratus.shop.analytics.days import BadDayError, calendar_day, day_before
from stratus.shop.analytics.report import render_html

EXPORT_PREFIX = "exports/"
REPORT_PREFIX = "reports/"
EXPORT_KEY = re.compile(r"^exports/(\d{4}-\d{2}-\d{2})\.json$")
DIGEST_METADATA = "sha256"
SCHEDULED = ("aws.events", "Scheduled Event")


class BadExportEventError(ValidationError):
    """An event the export or report function cannot act on."""


def export_day(event: Any, today: date | None = None) -> str:
    """The day an event asks to export (see the module doc)."""
    today = today or datetime.now(UTC).date()
    if not isinstance(event, dict):
        raise BadExportEventError("expected a JSON object", field="event")
    try:
        if (event.get("source"), event.get("detail-type")) == SCHEDULED:
            return day_before(event.get("time"))
        if set(event) != {"day"}:
            raise BadExportEventError(
                'expected a scheduled event or {"day": "YYYY-MM-DD"}, got keys '
                f"{sorted(map(str, event))[:10]}",
                field="event",
            )
        return calendar_day(event["day"], today)
    except BadDayError as exc:
        raise BadExportEventError(str(exc), field="day") from None


def export_document(day: str, products: list[dict[str, Any]]) -> dict[str, Any]:
    return {"date": day, "products": sorted(products, key=lambda p: str(p["productId"]))}


def export_body(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=1, sort_keys=True).encode()


@dataclass(frozen=True)
class Written:
    key: str
    changed: bool  # False: the same bytes were there already


class Exporter:
    def __init__(self, s3: Any, bucket: str, daily: Any) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._daily = daily

    def export(self, event: Any) -> Written:
        """Write the asked day's export unless it is there already, byte for byte."""
        day = export_day(event)
        body = export_body(export_document(day, self._daily.products(day)))
        digest = hashlib.sha256(body).hexdigest()
        key = f"{EXPORT_PREFIX}{day}.json"
        if self._digest(key) == digest:
            return Written(key, changed=False)
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            Metadata={DIGEST_METADATA: digest},
        )
        return Written(key, changed=True)

    def _digest(self, key: str) -> str | None:
        """The digest of the export there now; None if there is none. (HeadObject answers
        404 for a missing key only with `s3:ListBucket`, which the function has:
        https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html)"""
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return (head.get("Metadata") or {}).get(DIGEST_METADATA)


class Reporter:
    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def report(self, bucket: str, key: str) -> str:
        """Render the report of one export object; returns the report's key."""
        match = EXPORT_KEY.match(key)
        if match is None:
            raise BadExportEventError(f"{key!r} is not an export (exports/YYYY-MM-DD.json)")
        body = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        try:
            export = json.loads(body)
        except json.JSONDecodeError:
            raise BadExportEventError(f"{key} is not JSON") from None
        if not isinstance(export, dict) or not isinstance(export.get("products"), list):
            raise BadExportEventError(f"{key} has no products list")
        out = f"{REPORT_PREFIX}{match.group(1)}.html"
        self._s3.put_object(
            Bucket=bucket,
            Key=out,
            Body=render_html(export).encode(),
            ContentType="text/html; charset=utf-8",
        )
        return out

    def handle(self, event: dict[str, Any]) -> list[str]:
        """An S3 notification event (ObjectCreated under exports/) -> the reports written."""
        written = []
        for record in event.get("Records") or []:
            s3 = record.get("s3") or {}
            bucket = (s3.get("bucket") or {}).get("name")
            key = (s3.get("object") or {}).get("key")
            if not bucket or not key:
                raise BadExportEventError("S3 event record without bucket or key")
            # Keys in S3 events are URL-encoded (spaces as +).
            written.append(self.report(str(bucket), unquote_plus(str(key))))
        return written
