"""Dashboards: the CloudWatch dashboards the CDK app declares, drawn as AWS draws them (line,
number, text and alarm widgets on the 24-column grid) by the renderer the AWS endpoint
serves at /_stratus/cloudwatch/dashboards (`cloudwatch.dashboard.pages.draw` resolves the
widgets, `render.grid` draws them): the console embeds it, it does not copy it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stratus.local.cloudwatch.dashboard import render, source, timerange
from stratus.local.cloudwatch.dashboard.pages import draw
from stratus.local.console.app import console_of
from stratus.local.console.data import web
from stratus.local.console.layout import HEADERS, ConsoleError
from stratus.local.console.pages import Page

# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html:
# "can contain only alphanumerics, dash (-), and underscore (_)", up to 255 characters.
MAX_NAME = 255
RANGES = {"1h": "-PT1H", "3h": "-PT3H", "12h": "-PT12H", "1d": "-P1D", "3d": "-P3D", "1w": "-P1W"}


async def dashboards(request: Request) -> Response:
    console = console_of(request)
    settings = console.settings
    boards = await asyncio.to_thread(source.dashboards, settings.account_id, settings.region)
    return web.page(
        request, "dashboards/index.html", title="Dashboards", active="dashboards", boards=boards
    )


async def dashboard(request: Request) -> Response:
    console = console_of(request)
    name = str(request.path_params["name"])
    if not 0 < len(name) <= MAX_NAME or not all(c.isalnum() or c in "-_" for c in name):
        raise ConsoleError(404, "No dashboard has that name.")
    chosen = web.text(request, "range", 8)
    if chosen and chosen not in RANGES:
        raise ConsoleError(400, f"Bad time range: the range is one of {', '.join(RANGES)}.")
    start = RANGES[chosen] if chosen else web.text(request, "start", 64) or None
    end = None if chosen else web.text(request, "end", 64) or None
    settings = console.settings
    try:
        drawn = await asyncio.to_thread(
            draw, settings.account_id, settings.region, name, start, end, datetime.now(UTC)
        )
    except timerange.TimeRangeError as exc:
        raise ConsoleError(400, f"Bad time range: {exc}.") from None
    if drawn is None:
        raise ConsoleError(404, f"Dashboard {name} does not exist.")
    current = next((k for k, v in RANGES.items() if v == drawn.chosen), "")
    grid = await asyncio.to_thread(render.grid, drawn.board, drawn.views, drawn.span)
    return web.page(
        request,
        "dashboards/dashboard.html",
        title=name,
        active="dashboards",
        name=name,
        drawn=drawn,
        # render escapes every name, label and Markdown text it writes
        grid=Markup(grid),
        ranges=RANGES,
        current=current,
    )


async def widgets_css(request: Request) -> Response:
    """The renderer's grid and widget rules, as the console's CSP wants them: a file."""
    return Response(render.GRID_CSS, media_type="text/css", headers=HEADERS)


PAGE = Page(
    "dashboards",
    "Dashboards",
    57,
    lambda console: [
        Route("/dashboards", dashboards, methods=["GET", "HEAD"]),
        Route("/dashboards/widgets.css", widgets_css, methods=["GET", "HEAD"]),
        Route("/dashboards/{name}", dashboard, methods=["GET", "HEAD"]),
    ],
)
