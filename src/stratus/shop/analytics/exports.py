"""The daily export (counters -> `exports/YYYY-MM-DD.json`) and the report it triggers
(`exports/...json` -> `reports/YYYY-MM-DD.html`). S3 and the counters are injected.

The export's day is the schedule event's `time` (UTC), so a re-run of the same event writes
the same key. The report is made from the object the S3 event names: its key must be
`exports/<date>.json`, anything else is refused (a clear error, no report written).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from stratus.shop.analytics.report import render_html

EXPORT_PREFIX = "exports/"
REPORT_PREFIX = "reports/"
EXPORT_KEY = re.compile(r"^exports/(\d{4}-\d{2}-\d{2})\.json$")


class BadExportEventError(ValueError):
    """An event the export or report function cannot act on."""


def export_day(event: dict[str, Any], now: datetime | None = None) -> str:
    raw = event.get("time")
    if raw is None:
        return (now or datetime.now(UTC)).strftime("%Y-%m-%d")
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).strftime("%Y-%m-%d")
    except ValueError:
        raise BadExportEventError(f"event time {raw!r} is not ISO 8601") from None


def export_document(day: str, products: Iterable[dict[str, Any]], generated: str) -> dict[str, Any]:
    ordered = sorted(products, key=lambda p: str(p["productId"]))
    return {"date": day, "generatedAt": generated, "products": ordered}


class Exporter:
    def __init__(self, s3: Any, bucket: str, counters: Any) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._counters = counters

    def export(self, event: dict[str, Any]) -> str:
        """Write the day's export; returns its key."""
        day = export_day(event)
        generated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        document = export_document(day, self._counters.products(), generated)
        key = f"{EXPORT_PREFIX}{day}.json"
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(document, indent=1).encode(),
            ContentType="application/json",
        )
        return key


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
