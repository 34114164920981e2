"""Traces: the X-Ray traces the local cloud collected (its own gateway and Lambda segments,
and what functions' tracers sent to the daemon), newest first, and one trace's timeline.

Read straight from the X-Ray service's bounded store (xray.store): the list is at most that
store's size, shown a page at a time; filters are plain (status class or code, URL part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.console.app import console_of
from stratus.local.console.layout import ConsoleError, render
from stratus.local.console.pages import Page
from stratus.local.xray.header import TRACE_ID
from stratus.local.xray.service import XrayService
from stratus.local.xray.store import TraceStore
from stratus.local.xray.timeline import layout

PER_PAGE = 50
MAX_FILTER = 200
_STATUS = re.compile(r"^(?:[1-5]xx|[1-5][0-9]{2}|error|fault|throttle)?$")


@dataclass(frozen=True)
class Listed:
    id: str
    time: str
    method: str
    url: str
    status: str
    duration_ms: float
    error: bool
    fault: bool
    throttle: bool
    services: list[str]
    entry: str = ""  # the entry segment (name and origin), for traces that are no HTTP request


def _store(request: Request) -> TraceStore:
    try:
        return console_of(request).service(XrayService).store
    except LookupError:
        raise ConsoleError(404, "This local cloud runs no X-Ray service.") from None


def _listed(summary: dict[str, Any]) -> Listed:
    http = summary["Http"]
    return Listed(
        id=summary["Id"],
        time=datetime.fromtimestamp(summary["StartTime"], UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[
            :-3
        ],
        method=str(http.get("HttpMethod", "")),
        url=str(http.get("HttpURL", "")),
        entry=" ".join(
            str(v)
            for v in (summary["EntryPoint"].get("Name"), summary["EntryPoint"].get("Type"))
            if v
        ),
        status=str(http.get("HttpStatus", "")),
        duration_ms=round(summary["Duration"] * 1000, 1),
        error=summary["HasError"],
        fault=summary["HasFault"],
        throttle=summary["HasThrottle"],
        services=sorted(
            {
                s["Name"] + (f" ({s['Type']})" if s.get("Type") else "")
                for s in summary["ServiceIds"]
            }
        ),
    )


def _matches(item: Listed, status: str, url: str) -> bool:
    if url and url.lower() not in item.url.lower():
        return False
    if not status:
        return True
    if status in ("error", "fault", "throttle"):
        return bool(getattr(item, status))
    if status.endswith("xx"):
        return item.status[:1] == status[0]
    return item.status == status


async def list_traces(request: Request) -> Response:
    store = _store(request)
    status = request.query_params.get("status", "").strip().lower()
    url = request.query_params.get("url", "").strip()
    if len(url) > MAX_FILTER or not _STATUS.match(status):
        raise ConsoleError(
            400,
            "Filter by a status (2xx, 404, error, fault, throttle) and a URL part "
            "of at most 200 characters.",
        )
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        raise ConsoleError(400, "page must be a number.") from None
    if not 1 <= page <= store.max_traces:
        raise ConsoleError(400, "No such page.")
    found = [t for t in (_listed(s) for s in store.summaries()) if _matches(t, status, url)]
    shown = found[(page - 1) * PER_PAGE : page * PER_PAGE]
    return render(
        request,
        "traces/list.html",
        title="Traces",
        active="traces",
        traces=shown,
        total=len(found),
        kept=len(store),
        limit=store.max_traces,
        status_filter=status,
        url=url,
        page=page,
        more=page * PER_PAGE < len(found),
    )


async def show_trace(request: Request) -> Response:
    trace_id = request.path_params["trace_id"]
    if len(trace_id) > 64 or not TRACE_ID.match(trace_id):
        raise ConsoleError(400, "A trace id looks like 1-5759e988-bd862e3fe1be46a994272793.")
    trace = _store(request).get(trace_id)
    if trace is None:
        raise ConsoleError(404, f"No trace {trace_id} is kept (the newest are, up to a limit).")
    timeline = layout(trace.docs)
    return render(
        request,
        "traces/trace.html",
        title=f"Trace {trace_id}",
        active="traces",
        trace=_listed(trace.summary()),
        timeline=timeline,
        ticks=_ticks(timeline.duration),
    )


def _ticks(duration: float) -> list[dict[str, Any]]:
    """Five evenly spaced time marks over the trace (label in ms, position in %)."""
    return [{"pct": i * 25, "ms": round(duration * 1000 * i / 4, 1)} for i in range(5)]


def routes(console: Any) -> list[BaseRoute]:
    return [
        Route("/traces", list_traces, methods=["GET", "HEAD"]),
        Route("/traces/{trace_id}", show_trace, methods=["GET", "HEAD"]),
    ]


PAGE = Page("traces", "Traces", 60, routes)
