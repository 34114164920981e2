"""A trace laid out as a timeline: every segment and subsegment one row, nested under its
parent, its bar offset by its start within the trace and as wide as its duration.

Parents are found three ways, as X-Ray's console does: a subsegment nested in its document,
an independent subsegment's `parent_id` (the SDKs stream subsegments that way), and a
segment's `parent_id` naming another segment or subsegment of the trace (a function's
segment under the gateway's). Anything whose parent is not in the trace is a root.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MAX_ROWS = 2000  # a trace holds at most 500 documents; nested subsegments add to that
_DETAIL_KEYS = ("http", "aws", "sql", "annotations", "metadata", "cause")


@dataclass
class Row:
    id: str
    name: str
    kind: str  # the origin (AWS::Lambda::Function), the namespace (aws, remote) or "local"
    depth: int
    start: float  # seconds from the trace's start
    duration: float  # seconds
    offset_pct: float
    width_pct: float
    error: bool = False
    fault: bool = False
    throttle: bool = False
    in_progress: bool = False
    summary: list[tuple[str, str]] = field(default_factory=list)  # short facts (method, table)
    details: list[tuple[str, str]] = field(default_factory=list)  # section -> pretty JSON


@dataclass
class Timeline:
    start: float  # epoch seconds
    duration: float
    rows: list[Row]
    truncated: bool = False


@dataclass
class _Node:
    doc: dict[str, Any]
    children: list[_Node] = field(default_factory=list)


def layout(docs: list[dict[str, Any]]) -> Timeline:
    nodes: dict[str, _Node] = {}
    parent_of: dict[str, str] = {}
    order: list[_Node] = []

    def add(doc: dict[str, Any], container: str | None) -> None:
        seg_id = str(doc.get("id", ""))
        if not seg_id or seg_id in nodes or not _number(doc.get("start_time")):
            return
        node = nodes[seg_id] = _Node(doc)
        order.append(node)
        if container is not None:
            parent_of[seg_id] = container
        elif isinstance(doc.get("parent_id"), str):
            parent_of[seg_id] = doc["parent_id"]
        for sub in doc.get("subsegments") or ():
            if isinstance(sub, dict):
                add(sub, seg_id)

    for doc in docs:
        add(doc, None)
    if not order:
        return Timeline(0.0, 0.0, [])
    roots: list[_Node] = []
    for node in order:
        parent = nodes.get(parent_of.get(str(node.doc["id"]), ""))
        if parent is not None and parent is not node:
            parent.children.append(node)
        else:
            roots.append(node)
    t0 = min(float(n.doc["start_time"]) for n in order)
    t1 = max(_end(n.doc) for n in order)
    total = max(t1 - t0, 1e-6)
    rows: list[Row] = []
    seen: set[str] = set()
    # Depth first from the roots; then whatever a parent_id cycle (hostile input) left out.
    for group in (roots, order):
        stack = [(n, 0) for n in sorted(group, key=_start, reverse=True)]
        while stack and len(rows) < MAX_ROWS:
            node, depth = stack.pop()
            seg_id = str(node.doc["id"])
            if seg_id in seen:
                continue
            seen.add(seg_id)
            rows.append(_row(node.doc, depth, t0, total))
            stack.extend((c, depth + 1) for c in sorted(node.children, key=_start, reverse=True))
    return Timeline(t0, t1 - t0, rows, truncated=len(seen) < len(order))


def _start(node: _Node) -> float:
    return float(node.doc["start_time"])


def _end(doc: dict[str, Any]) -> float:
    end = doc.get("end_time")
    return float(end) if isinstance(end, int | float) else float(doc["start_time"])


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _row(doc: dict[str, Any], depth: int, t0: float, total: float) -> Row:
    start = float(doc["start_time"]) - t0
    duration = max(_end(doc) - float(doc["start_time"]), 0.0)
    kind = str(doc.get("origin") or doc.get("namespace") or "local")
    return Row(
        id=str(doc["id"]),
        name=str(doc.get("name", "")),
        kind=kind,
        depth=depth,
        start=start,
        duration=duration,
        offset_pct=round(min(max(start / total * 100.0, 0.0), 100.0), 3),
        width_pct=round(min(duration / total * 100.0, 100.0), 3),
        error=doc.get("error") is True,
        fault=doc.get("fault") is True,
        throttle=doc.get("throttle") is True,
        in_progress=doc.get("in_progress") is True,
        summary=_summary(doc),
        details=[
            (key, json.dumps(doc[key], indent=2, sort_keys=True, default=str)[:20000])
            for key in _DETAIL_KEYS
            if doc.get(key)
        ],
    )


def _summary(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """What a row says beside its name: the HTTP call and the AWS call's operation and
    resource (the X-Ray SDK's `aws` fields: operation, table_name, queue_url...)."""
    out: list[tuple[str, str]] = []
    http = _dict(doc.get("http"))
    request, response = _dict(http.get("request")), _dict(http.get("response"))
    if request.get("method") or request.get("url"):
        out.append(("http", f"{request.get('method', '')} {request.get('url', '')}".strip()))
    if response.get("status") is not None:
        out.append(("status", str(response["status"])))
    aws = _dict(doc.get("aws"))
    for key in ("operation", "table_name", "queue_url", "topic_arn", "bucket_name", "key"):
        if aws.get(key):
            out.append((key, str(aws[key])))
    names = aws.get("table_names")
    if isinstance(names, list) and names:
        out.append(("tables", ", ".join(str(n) for n in names)))
    return out
