"""The dashboards on the AWS endpoint, as pages and as JSON.

- `GET /_stratus/cloudwatch/dashboards` lists them (`?format=json`: names and Regions).
- `GET /_stratus/cloudwatch/dashboards/<name>` draws one (`render`); `?start=-PT3H` (or an
  ISO 8601 `start` and `end`) chooses the range, else the body's own `start`/`end`, else
  3 hours; `?format=json` answers the resolved series of every widget (`view.to_json`).
- An unknown dashboard is a 404 page, a bad range or format a 400; a dashboard whose body
  cannot be read is still a 200 page that says why.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.responses import HTMLResponse, Response

from stratus.local.cloudwatch.dashboard import body, render, source, timerange, view
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.registry import PathRoute

log = logging.getLogger("stratus.cloudwatch")

BASE_PATH = "/_stratus/cloudwatch/dashboards"
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "base-uri 'none'; form-action 'none'"
)
_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _html(document: str, status: int = 200) -> Response:
    return HTMLResponse(document, status_code=status, headers=_HEADERS)


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


class DashboardPages:
    """Route handlers bound to the account and default Region (set once the cloud starts)."""

    def __init__(self) -> None:
        self.account = ""
        self.region = "us-east-1"

    def routes(self) -> list[PathRoute]:
        return [
            PathRoute(frozenset({"GET"}), rf"^{BASE_PATH}/?$", self.index),
            PathRoute(frozenset({"GET"}), rf"^{BASE_PATH}/[^/]+/?$", self.dashboard),
        ]

    async def index(self, request: AwsRequest) -> Response:
        wanted = request.query_value("format") or "html"
        if wanted not in ("html", "json"):
            return _json({"message": "format must be html or json"}, 400)
        boards = await asyncio.to_thread(source.dashboards, self.account, self.region)
        if wanted == "json":
            return _json({"dashboards": [{"name": b.name, "region": b.region} for b in boards]})
        return _html(render.index(BASE_PATH, [(b.name, b.region) for b in boards]))

    async def dashboard(self, request: AwsRequest) -> Response:
        name = request.path[len(BASE_PATH) :].strip("/")
        wanted = request.query_value("format") or "html"
        if wanted not in ("html", "json"):
            return _json({"message": "format must be html or json"}, 400)
        try:
            return await asyncio.to_thread(self._draw, name, wanted, request)
        except timerange.TimeRangeError as exc:
            if wanted == "json":
                return _json({"message": str(exc)}, 400)
            return _html(render.bad_request(str(exc)), 400)

    def _draw(self, name: str, wanted: str, request: AwsRequest) -> Response:
        start, end = request.query_value("start"), request.query_value("end")
        drawn = draw(self.account, self.region, name, start, end, datetime.now(UTC))
        if drawn is None:
            if wanted == "json":
                return _json({"message": f"Dashboard {name} does not exist"}, 404)
            return _html(render.not_found(BASE_PATH, name), 404)
        if wanted == "json":
            return _json(view.to_json(name, drawn.board, drawn.views, drawn.span))
        return _html(
            render.dashboard(BASE_PATH, name, drawn.board, drawn.views, drawn.span,
                             drawn.chosen, drawn.notice)
        )  # fmt: skip


@dataclass
class Drawn:
    """One dashboard resolved for a time range: what `render` and `view.to_json` draw."""

    stored: source.StoredDashboard
    board: body.Dashboard
    views: list[view.WidgetView]
    span: timerange.TimeRange
    chosen: str  # the range shown as chosen (the query's start, else the body's)
    notice: str | None  # why the body's own range was not used


def draw(
    account: str,
    default_region: str,
    name: str,
    start: str | None,
    end: str | None,
    now: datetime,
) -> Drawn | None:
    """The dashboard `name` with its widgets resolved (None: no such dashboard). The range
    is `start`/`end` (a bad one raises TimeRangeError), else the body's own `start`/`end`
    (a bad one is a notice and 3 hours), else 3 hours."""
    stored = source.find_dashboard(account, default_region, name)
    if stored is None:
        return None
    board = body.parse(stored.body)
    asked = bool(start or end)
    if not asked:
        start, end = board.start, board.end
    notice = None
    try:
        span = timerange.parse(start, end, now)
    except timerange.TimeRangeError as exc:
        if asked:
            raise
        notice = f"the dashboard's own time range is not usable ({exc}): 3 hours shown"
        span = timerange.parse(None, None, now)
    views = view.build(board, source.MotoSource(account), span, stored.region)
    return Drawn(stored, board, views, span, start or timerange.DEFAULT_START, notice)
