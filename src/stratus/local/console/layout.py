"""Rendering console pages: one Jinja2 environment (autoescaped), one page shell, the
security headers every console response carries, and errors shown as pages."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

# Scripts only from the console itself (no inline script); inline styles allowed, as drawn
# SVG charts carry them (autoescaping keeps data out of them); no frames of it elsewhere.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

ENV = Environment(
    loader=PackageLoader("stratus.local.console", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


class ConsoleError(Exception):
    """A page's answer for bad input or a missing resource: status and a plain message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def render(request: Request, template: str, status: int = 200, **values: Any) -> Response:
    """`template` (under templates/) with the shell's values: menu, active page, token."""
    shell = request.scope.get("console_shell", {})
    body = ENV.get_template(template).render(request=request, **shell, **values)
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def json_response(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status, headers=HEADERS)


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", status=status, title=f"{status}", message=message)
