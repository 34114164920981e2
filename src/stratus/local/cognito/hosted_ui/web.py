"""What every hosted-UI page handler shares: the domain a request came to, its base URL,
the CSRF check and the HTML/redirect responses."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from stratus.local.cognito.hosted_ui import pages
from stratus.local.cognito.hosted_ui.clients import AppClient, find_client
from stratus.local.cognito.hosted_ui.cognito_api import CognitoApi
from stratus.local.cognito.hosted_ui.csrf import COOKIE, Csrf
from stratus.local.cognito.hosted_ui.domains import HostedDomain
from stratus.local.cognito.hosted_ui.grants import Grants
from stratus.local.cognito.hosted_ui.rules import AuthorizeRequest, PageError, parse_authorize
from stratus.local.cognito.keys import LocalTokenKeys

SESSION_COOKIE = "cognito"
# The OAuth parameters a page keeps in its query string from /oauth2/authorize to the end.
OAUTH_PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "identity_provider",
)
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",  # no clickjacking of the password form
    # No form-action: after the POST, the redirect may go to any callback scheme (myapp://).
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@dataclass
class Deps:
    api: CognitoApi
    grants: Grants
    csrf: Csrf
    keys: LocalTokenKeys
    origins: dict[str, str]  # the gateway's default origin -> its running origin
    aws_endpoint: str
    gateway_origin: str


@dataclass
class Visit:
    """One request to a domain: `base` is its URL prefix as the client used it."""

    request: Request
    domain: HostedDomain
    base: str
    cookie_path: str
    deps: Deps

    def oauth_query(self, source: dict[str, str] | None = None) -> str:
        params = source if source is not None else dict(self.request.query_params)
        return urlencode({k: params[k] for k in OAUTH_PARAMS if k in params})

    def find(self, client_id: str) -> AppClient | None:
        client = find_client(client_id, self.deps.origins)
        return client if client is not None and client.pool_id == self.domain.pool_id else None

    def authorize_request(self) -> AuthorizeRequest:
        return parse_authorize(dict(self.request.query_params), self.find)

    # -- CSRF -----------------------------------------------------------------------------
    def csrf_cookie(self) -> str:
        return self.request.cookies.get(COOKIE) or self.deps.csrf.new_cookie()

    async def csrf_ok(self) -> bool:
        form = await self.request.form()
        field = form.get("_csrf")
        return self.deps.csrf.valid(self.request.cookies.get(COOKIE), str(field or ""))

    # -- responses ------------------------------------------------------------------------
    def html(self, title: str, body: str, status: int = 200, cookie: str | None = None) -> Response:
        response = HTMLResponse(pages.page(title, body), status, headers=_HEADERS)
        if cookie is not None:
            self.set_cookie(response, COOKIE, cookie)
        return response

    def error_page(self, exc: PageError, status: int = 400) -> Response:
        return HTMLResponse(pages.error_page(exc.error, exc.message), status, headers=_HEADERS)

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, 302, headers={"Cache-Control": "no-store"})

    def set_cookie(self, response: Response, name: str, value: str, max_age: int = 3600) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.cookie_path,
            secure=True,
            httponly=True,
            samesite="lax",
        )

    def page_url(self, page: str, query: str) -> str:
        """A page of this domain as an absolute path (no host): form actions and redirects
        never echo the request's Host header back to the browser."""
        return f"{self.cookie_path.rstrip('/')}/{page}" + (f"?{query}" if query else "")
