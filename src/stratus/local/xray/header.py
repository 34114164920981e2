"""The `X-Amzn-Trace-Id` header and X-Ray's ids, in AWS's formats.

`Root=1-<8 hex epoch seconds>-<24 hex random>;Parent=<16 hex>;Sampled=1`
(https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader).
Trace and segment ids follow the segment document's rules
(https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html).
Hand-written: aws-xray-sdk has a TraceHeader class, but it is not installed in the cloud's
own process and this is twenty lines.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

TRACE_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
SEGMENT_ID = re.compile(r"^[0-9a-f]{16}$")
MAX_HEADER = 256  # longer than any real header (Root + Parent + Sampled + Lineage)


def new_trace_id(now: float | None = None) -> str:
    seconds = int(time.time() if now is None else now)
    return f"1-{seconds & 0xFFFFFFFF:08x}-{os.urandom(12).hex()}"


def new_segment_id() -> str:
    return os.urandom(8).hex()


@dataclass(frozen=True)
class TraceHeader:
    root: str
    parent: str | None = None
    sampled: bool | None = None  # None: the sender left the decision to the receiver

    def render(self) -> str:
        parts = [f"Root={self.root}"]
        if self.parent:
            parts.append(f"Parent={self.parent}")
        if self.sampled is not None:
            parts.append(f"Sampled={int(self.sampled)}")
        return ";".join(parts)

    def child(self, parent: str, sampled: bool | None = None) -> TraceHeader:
        """The header a downstream call gets: same Root, `parent` as its Parent."""
        return TraceHeader(self.root, parent, self.sampled if sampled is None else sampled)


def parse(value: str | None) -> TraceHeader | None:
    """The header's Root, Parent and Sampled; None when absent or malformed (no valid Root)."""
    if not value or len(value) > MAX_HEADER:
        return None
    fields: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key.strip().lower()] = val.strip()
    root = fields.get("root", "").lower()
    if not TRACE_ID.match(root):
        return None
    parent = fields.get("parent", "").lower() or None
    if parent is not None and not SEGMENT_ID.match(parent):
        parent = None
    sampled = {"1": True, "0": False}.get(fields.get("sampled", ""))
    return TraceHeader(root, parent, sampled)


def continue_or_start(value: str | None, now: float | None = None) -> TraceHeader:
    """The client's trace when its header is valid (its Root kept), else a new one."""
    return parse(value) or TraceHeader(new_trace_id(now))
