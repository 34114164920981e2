"""The hosted UI as one ASGI app the gateway mounts: which requests are for a user-pool
domain (`match`), the certificates' names (`names`), and the routes of a domain.

A request is for a domain when its Host is the domain's local (or AWS) name, or its path
is the gateway's alias `/_stratus/domains/<local name>/...`. Only the paths Cognito serves
are answered; anything else on a domain (`/../`, `/apps/...`) is a 404, never a file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from stratus.local.cognito.hosted_ui import account, discovery, domains, signin
from stratus.local.cognito.hosted_ui.cognito_api import CognitoApi, Endpoint
from stratus.local.cognito.hosted_ui.csrf import Csrf
from stratus.local.cognito.hosted_ui.domains import HostedDomain
from stratus.local.cognito.hosted_ui.grants import Grants
from stratus.local.cognito.hosted_ui.oauth import TokenEndpoint
from stratus.local.cognito.hosted_ui.rules import PageError
from stratus.local.cognito.hosted_ui.web import Deps, Visit
from stratus.local.cognito.keys import LocalTokenKeys

_API_PATHS = frozenset({"/oauth2/token", "/oauth2/revoke", "/oauth2/userInfo"})
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
Handler = Callable[[Visit], Awaitable[Response]]
_PAGES: dict[str, tuple[frozenset[str], Handler]] = {
    "/oauth2/authorize": (frozenset({"GET"}), signin.authorize),
    "/login": (frozenset({"GET", "POST"}), signin.login),
    "/logout": (frozenset({"GET"}), signin.logout),
    "/signup": (frozenset({"GET", "POST"}), account.signup),
    "/confirm": (frozenset({"GET", "POST"}), account.confirm),
    "/forgotPassword": (frozenset({"GET", "POST"}), account.forgot_password),
}


def _host(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            host = value.decode("latin-1").strip().lower()
            return host.rsplit(":", 1)[0] if ":" in host and not host.endswith("]") else host
    return ""


class HostedUi:
    def __init__(
        self,
        endpoint: Endpoint,
        keys: LocalTokenKeys,
        *,
        region: str,
        aws_endpoint: str,
        gateway_origin: str,
        origins: dict[str, str],
        state_dir: Path | None = None,
    ) -> None:
        scopes_file = None if state_dir is None else state_dir / "hosted-ui-scopes.json"
        self.deps = Deps(
            api=CognitoApi(endpoint, region),
            grants=Grants(scopes_file),
            csrf=Csrf(),
            keys=keys,
            origins=origins,
            aws_endpoint=aws_endpoint,
            gateway_origin=gateway_origin,
        )
        self.tokens = TokenEndpoint(self.deps.api, self.deps.grants, keys, origins)

    # -- for the gateway -------------------------------------------------------------------
    def names(self) -> list[str]:
        """Names the gateway's certificate list needs (SNI)."""
        return [d.local_name for d in domains.live_domains()]

    def match(self, scope: Scope) -> tuple[HostedDomain, str, str, str] | None:
        """(domain, base URL, cookie path, path within the domain), or None."""
        if scope.get("type") != "http":
            return None
        host = _host(scope)
        port = self.deps.gateway_origin.rsplit(":", 1)[-1]
        if host and host not in _LOOPBACK:
            domain = domains.by_name(host)
            if domain is not None:
                return domain, f"https://{host}:{port}", "/", scope["path"]
        alias = domains.split_alias(scope["path"])
        if alias is None:
            return None
        domain = domains.by_name(alias[0])
        if domain is None:
            return None
        prefix = f"{domains.ALIAS_PREFIX}{alias[0]}"
        return domain, f"{self.deps.gateway_origin}{prefix}", prefix + "/", alias[1]

    def hosted_url(self, pool_id: str) -> str | None:
        """The local base URL of the pool's first domain (alias form), if it has one."""
        found = domains.for_pool(pool_id)
        return domains.local_url(found[0], self.deps.gateway_origin) if found else None

    def discovery(self, pool_id: str, region: str) -> dict[str, object]:
        return discovery.document(region, pool_id, self.deps.aws_endpoint, self.hosted_url(pool_id))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.match(scope)
        if found is None:  # the gateway only calls after match(); answer plainly anyway
            await PlainTextResponse("Not Found", 404)(scope, receive, send)
            return
        domain, base, cookie_path, path = found
        request = Request(scope, receive)
        response = await self._answer(Visit(request, domain, base, cookie_path, self.deps), path)
        await response(scope, receive, send)

    async def _answer(self, visit: Visit, path: str) -> Response:
        if path not in _API_PATHS:
            return await self._route(visit, path)
        # Browser apps (Amplify's signInWithRedirect, a single-page web client) call these from
        # their own origin: Cognito answers them with CORS headers.
        origin = visit.request.headers.get("origin")
        if visit.request.method == "OPTIONS":
            response: Response = Response(b"", 204)
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
        else:
            response = await self._route(visit, path)
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    async def _route(self, visit: Visit, path: str) -> Response:
        method = visit.request.method
        pool_id, region = visit.domain.pool_id, visit.domain.region
        try:
            if path in _PAGES:
                methods, handler = _PAGES[path]
                if method not in methods:
                    return PlainTextResponse("Method Not Allowed", 405)
                return await handler(visit)
            if path == "/oauth2/token" and method == "POST":
                return await self.tokens.token(visit.request, pool_id)
            if path == "/oauth2/revoke" and method == "POST":
                return await self.tokens.revoke(visit.request, pool_id)
            if path == "/oauth2/userInfo" and method in ("GET", "POST"):
                return await self.tokens.userinfo(visit.request, pool_id, region)
            if path == "/.well-known/openid-configuration" and method == "GET":
                doc = discovery.document(region, pool_id, self.deps.aws_endpoint, visit.base)
                return JSONResponse(doc)
            if path == "/.well-known/jwks.json" and method == "GET":
                return JSONResponse(self.deps.keys.jwks())
            if path == "/error" and method == "GET":
                error = visit.request.query_params.get("error", "invalid_request")
                return visit.error_page(PageError(error, "An error was encountered."))
        except (ValueError, KeyError, UnicodeDecodeError):  # a malformed form or query
            return visit.error_page(PageError("invalid_request", "The request is malformed."))
        return PlainTextResponse("Not Found", 404)
