"""The traces the local X-Ray keeps: the newest `max_traces`, at most `max_segments` each,
and at most `max_bytes` of segment documents in all (the oldest traces go first), so a few
traces with many large documents cannot hold more memory than many small ones.

Why not moto's X-Ray backend: it keeps every segment forever, reports durations in whole
seconds, leaves summaries' Http, ServiceIds and EntryPoint empty, and refuses independent
subsegments' documents no better than others; the console needs a bounded store it can read
directly, with the summary fields GetTraceSummaries defines
(https://docs.aws.amazon.com/xray/latest/api/API_TraceSummary.html).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stratus.local.xray.segments import BadSegment, parse_document

MAX_TRACES = 1000
MAX_SEGMENTS = 500
MAX_BYTES = 8 * 1024 * 1024  # of documents' JSON text; the parsed copies are ~3x that


@dataclass
class Trace:
    id: str
    # segment id -> (raw document, parsed document); a resent id replaces the older one
    # (in-progress segments are sent again when they end).
    documents: OrderedDict[str, tuple[str, dict[str, Any]]] = field(default_factory=OrderedDict)
    version: int = 0  # documents put so far (a summary of an older version is stale)
    size: int = 0  # characters of the documents' JSON text

    @property
    def docs(self) -> list[dict[str, Any]]:
        return [doc for _, doc in self.documents.values()]

    @property
    def start(self) -> float:
        return min(float(d["start_time"]) for d in self.docs)

    @property
    def end(self) -> float:
        ends = [float(d.get("end_time") or d["start_time"]) for d in self.docs]
        return max(ends)

    @property
    def duration(self) -> float:
        return max(self.end - self.start, 0.0)

    def segments(self) -> list[dict[str, Any]]:
        """Top-level segments (not independent subsegments), earliest first."""
        out = [d for d in self.docs if d.get("type") != "subsegment"]
        return sorted(out, key=lambda d: float(d["start_time"]))

    def entry(self) -> dict[str, Any] | None:
        """The segment the request entered by: the earliest one without a parent here."""
        ids = {d["id"] for d in self.docs}
        roots = [s for s in self.segments() if s.get("parent_id") not in ids]
        return roots[0] if roots else None

    def summary(self) -> dict[str, Any]:
        """A TraceSummary (API_TraceSummary): flags over every segment and subsegment."""
        flags = {"error": False, "fault": False, "throttle": False}
        annotations: dict[str, list[dict[str, Any]]] = {}
        for node in walk(self.docs):
            for flag in flags:
                flags[flag] = flags[flag] or node.get(flag) is True
            for key, value in (node.get("annotations") or {}).items():
                annotations.setdefault(key, []).append({"AnnotationValue": _annotation(value)})
        entry = self.entry()
        http: dict[str, Any] = {}
        if entry is not None:
            request = (entry.get("http") or {}).get("request") or {}
            response = (entry.get("http") or {}).get("response") or {}
            http = {
                k: v
                for k, v in (
                    ("HttpURL", request.get("url")),
                    ("HttpMethod", request.get("method")),
                    ("HttpStatus", response.get("status")),
                    ("ClientIp", request.get("client_ip")),
                    ("UserAgent", request.get("user_agent")),
                )
                if v is not None
            }
        return {
            "Id": self.id,
            "StartTime": self.start,
            "Duration": round(self.duration, 3),
            "ResponseTime": round(_span(entry) if entry else self.duration, 3),
            "HasFault": flags["fault"],
            "HasError": flags["error"],
            "HasThrottle": flags["throttle"],
            "IsPartial": any(d.get("in_progress") is True for d in self.docs),
            "Http": http,
            "Annotations": annotations,
            "ServiceIds": services(self.docs),
            "EntryPoint": _service_id(entry) if entry else {},
        }


def walk(docs: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every segment and subsegment (depth first)."""
    for doc in docs:
        yield doc
        subs = doc.get("subsegments")
        if isinstance(subs, list):
            yield from walk(s for s in subs if isinstance(s, dict))


def services(docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The services a trace touched, once each: every segment (by name and origin) and every
    AWS service a subsegment called (namespace `aws`: `DynamoDB`, `SQS`...)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for node in walk(docs):
        if node.get("type") == "subsegment" or "origin" in node or node.get("namespace") == "aws":
            if "origin" not in node and node.get("namespace") != "aws":
                continue  # an independent subsegment of the function's own code
            sid = _service_id(node)
            seen.setdefault((sid["Name"], sid.get("Type", "")), sid)
        elif "trace_id" in node:  # a segment without an origin
            sid = _service_id(node)
            seen.setdefault((sid["Name"], ""), sid)
    return list(seen.values())


def _service_id(node: dict[str, Any]) -> dict[str, Any]:
    name = str(node.get("name", ""))
    out: dict[str, Any] = {"Name": name, "Names": [name]}
    if node.get("origin"):
        out["Type"] = str(node["origin"])
    elif node.get("namespace") == "aws":
        out["Type"] = f"AWS::{name}"
    return out


def _span(doc: dict[str, Any]) -> float:
    return max(float(doc.get("end_time") or doc["start_time"]) - float(doc["start_time"]), 0.0)


def _annotation(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BooleanValue": value}
    if isinstance(value, int | float):
        return {"NumberValue": value}
    return {"StringValue": str(value)}


class TraceStore:
    """Thread-safe: the daemon (event loop) and PutTraceSegments (moto's threads) both write."""

    def __init__(
        self,
        max_traces: int = MAX_TRACES,
        max_segments: int = MAX_SEGMENTS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.max_traces = max_traces
        self.max_segments = max_segments
        self.max_bytes = max_bytes
        self._bytes = 0
        self._traces: OrderedDict[str, Trace] = OrderedDict()
        self._summaries: dict[str, tuple[int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.received = 0
        self.dropped = 0

    def put(self, raw: str | bytes) -> dict[str, Any]:
        """Store one document (raises BadSegment); answers the parsed document."""
        doc = parse_document(raw)
        self.put_document(doc, raw if isinstance(raw, str) else raw.decode())
        return doc

    def put_document(self, doc: dict[str, Any], raw: str | None = None) -> None:
        text = raw if raw is not None else json.dumps(doc, separators=(",", ":"))
        with self._lock:
            self.received += 1
            trace = self._traces.get(doc["trace_id"])
            if trace is None:
                trace = self._traces[doc["trace_id"]] = Trace(doc["trace_id"])
                while len(self._traces) > self.max_traces:
                    self._evict_oldest()
            old = trace.documents.get(doc["id"])
            if old is None and len(trace.documents) >= self.max_segments:
                self.dropped += 1
                raise BadSegment("TooManySegments", "the trace holds too many segments", doc["id"])
            grown = len(text) - (len(old[0]) if old is not None else 0)
            trace.documents[doc["id"]] = (text, doc)
            trace.size += grown
            trace.version += 1
            self._bytes += grown
            while self._bytes > self.max_bytes and len(self._traces) > 1:
                if next(iter(self._traces)) == trace.id:  # the newest document's trace stays
                    self._traces.move_to_end(trace.id)
                self._evict_oldest()

    def _evict_oldest(self) -> None:
        gone, trace = self._traces.popitem(last=False)
        self._summaries.pop(gone, None)
        self._bytes -= trace.size

    @property
    def size(self) -> int:
        """Characters of JSON text the kept documents hold."""
        return self._bytes

    def get(self, trace_id: str) -> Trace | None:
        with self._lock:
            trace = self._traces.get(trace_id)
            if trace is None:
                return None
            return Trace(trace.id, OrderedDict(trace.documents))

    def summaries(self) -> list[dict[str, Any]]:
        """Every kept trace's TraceSummary, newest first (by first arrival). A summary is
        computed again only when its trace got a document since (lists stay cheap)."""
        with self._lock:
            out = []
            for trace in reversed(self._traces.values()):
                cached = self._summaries.get(trace.id)
                if cached is None or cached[0] != trace.version:
                    cached = self._summaries[trace.id] = (trace.version, trace.summary())
                out.append(cached[1])
            return out

    def __len__(self) -> int:
        return len(self._traces)


_ACTIVE: TraceStore | None = None


def active() -> TraceStore | None:
    """The running cloud's store (None before the X-Ray service starts, or in tests)."""
    return _ACTIVE


def set_active(store: TraceStore | None) -> None:
    global _ACTIVE
    _ACTIVE = store


__all__ = ["BadSegment", "Trace", "TraceStore", "active", "services", "set_active", "walk"]
