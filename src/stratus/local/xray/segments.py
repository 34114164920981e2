"""Checking one segment document the way X-Ray's PutTraceSegments does.

Required fields and their formats are the segment document's
(https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html): `name`
(at most 200 characters), `id` (16 hex), `trace_id` (`1-<8 hex>-<24 hex>`), `start_time`,
and `end_time` or `in_progress`; an independent subsegment (`"type": "subsegment"`) also
names its `parent_id`. A document may be at most 64 kB
(https://docs.aws.amazon.com/xray/latest/api/API_PutTraceSegments.html).
"""

from __future__ import annotations

import json
from typing import Any

from stratus.local.xray.header import SEGMENT_ID, TRACE_ID

MAX_DOCUMENT = 64 * 1024


class BadSegment(ValueError):
    """Why a document was refused; `segment_id` when the document named one."""

    def __init__(self, code: str, message: str, segment_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.segment_id = segment_id


def parse_document(raw: str | bytes) -> dict[str, Any]:
    """The document as a dict, checked; raises BadSegment."""
    if len(raw) > MAX_DOCUMENT:
        raise BadSegment("DocumentTooLarge", f"segment document over {MAX_DOCUMENT} bytes")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadSegment("JSONFormatError", "the segment document is not JSON") from None
    if not isinstance(doc, dict):
        raise BadSegment("JSONFormatError", "the segment document is not a JSON object")
    check(doc)
    return doc


def check(doc: dict[str, Any]) -> None:
    seg_id = doc.get("id")
    if not isinstance(seg_id, str) or not SEGMENT_ID.match(seg_id):
        raise BadSegment("InvalidId", "id must be 16 hexadecimal digits")
    name = doc.get("name")
    if not isinstance(name, str) or not name or len(name) > 200:
        raise BadSegment("InvalidName", "name must be 1 to 200 characters", seg_id)
    trace_id = doc.get("trace_id")
    if not isinstance(trace_id, str) or not TRACE_ID.match(trace_id):
        raise BadSegment("InvalidTraceId", "trace_id must be 1-<8 hex>-<24 hex>", seg_id)
    if not _number(doc.get("start_time")):
        raise BadSegment("MissingParam", "start_time must be epoch seconds", seg_id)
    if not _number(doc.get("end_time")) and doc.get("in_progress") is not True:
        raise BadSegment("MissingParam", "Missing end_time or in_progress", seg_id)
    if doc.get("type") == "subsegment":
        parent = doc.get("parent_id")
        if not isinstance(parent, str) or not SEGMENT_ID.match(parent):
            raise BadSegment("MissingParam", "a subsegment needs its parent_id", seg_id)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
