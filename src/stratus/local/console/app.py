"""The console as one Starlette app mounted at `/console` on the gateway's HTTPS port.

`console_routes(cloud)` answers the routes the gateway serves beside the APIs: the pages
`pages.discover()` finds, the static files, and `/console` redirected to `/console/`. Every
request passes the guard (loopback only unless `--lan`); a page's ConsoleError becomes an
error page with its status, an unexpected failure a 503 page naming it (logged with its
traceback; never a stack trace to the browser).

The app is built on the console's first request (`_OnFirstRequest`): its pages, their
templates and what they import (the cost model, the metrics and traces views...) are some
250 modules and ~17 MB that a cloud nobody opens the console of need not hold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stratus.local.console import pages
from stratus.local.console.context import ConsoleContext
from stratus.local.console.guard import ConsoleGuard
from stratus.local.console.layout import ConsoleError, error_page, render
from stratus.local.core.context import CloudContext

log = logging.getLogger("stratus.console")
BASE_PATH = "/console"


class _Shell:
    """ASGI middleware: refuses clients the guard does not allow, and hands every page the
    shell's values (menu, CSRF token) through the scope."""

    def __init__(self, app: ASGIApp, guard: ConsoleGuard, menu: list[pages.Page]) -> None:
        self.app = app
        self.guard = guard
        self.menu = menu

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["console_shell"] = {
            "menu": self.menu,
            "csrf": self.guard.token,
            "base": BASE_PATH,
        }
        request = Request(scope, receive)
        if not self.guard.client_allowed(request):
            response = error_page(
                request,
                403,
                "The console answers this machine only; start the cloud with --lan to "
                "open it to the local network.",
            )
            await response(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise
            await _unexpected(request, exc)(scope, receive, send)


def build_console(
    cloud: CloudContext, discover: Callable[[], list[pages.Page]] | None = None
) -> Starlette:
    console = ConsoleContext(cloud)
    guard = ConsoleGuard(lan=cloud.settings.lan)
    menu = (discover or pages.discover)()
    routes: list[BaseRoute] = [Route("/", _home, methods=["GET", "HEAD"])]
    for page in menu:
        routes.extend(page.routes(console))
    routes.append(Mount("/static", StaticFiles(packages=[("stratus.local.console", "static")])))
    app = Starlette(
        routes=routes,
        exception_handlers={
            ConsoleError: _console_error,
            HTTPException: _http_error,
        },
    )
    app.state.console = console
    app.state.guard = guard
    app.add_middleware(_Shell, guard=guard, menu=menu)
    return app


async def _home(request: Request) -> Response:
    return render(request, "home.html", title="Local cloud")


async def _console_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleError)
    return error_page(request, exc.status, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = "No such console page." if exc.status_code == 404 else str(exc.detail)
    return error_page(request, exc.status_code, message)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("console page %s failed", request.url.path, exc_info=exc)
    return error_page(
        request, 503, f"The console could not read this page ({type(exc).__name__}: {exc})."
    )


async def require_action(request: Request) -> None:
    """For a POST action: the request came from a console page (CSRF token), else 403."""
    guard: ConsoleGuard = request.app.state.guard
    if not await guard.action_allowed(request):
        raise ConsoleError(403, "This action must be sent from a console page.")


def console_of(request: Request) -> ConsoleContext:
    """The console context of the app serving `request` (for page handlers)."""
    console: ConsoleContext = request.app.state.console
    return console


class _OnFirstRequest:
    """ASGI app that builds the console when the first request arrives (building is
    synchronous, so two first requests on the loop cannot both build)."""

    def __init__(self, cloud: CloudContext, discover: Callable[[], list[pages.Page]]) -> None:
        self._cloud = cloud
        self._discover = discover  # the discovery in force when the routes were made
        self._app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = build_console(self._cloud, self._discover)
        await self._app(scope, receive, send)


def console_routes(cloud: CloudContext) -> list[BaseRoute]:
    """What the gateway serves for the console: `/console` → `/console/`, and the app
    (built on its first request)."""

    async def to_index(request: Request) -> Response:
        return RedirectResponse(f"{BASE_PATH}/", status_code=308)

    return [
        Route(BASE_PATH, to_index, methods=["GET", "HEAD"]),
        Mount(BASE_PATH, app=_OnFirstRequest(cloud, pages.discover)),
    ]
