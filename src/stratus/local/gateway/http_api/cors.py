"""An HTTP API's CorsConfiguration, applied by the gateway itself.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html: with CORS
configured, API Gateway answers preflight OPTIONS requests itself (even without an OPTIONS
route), adds the configured headers to responses for CORS requests, and ignores CORS headers
from the integration. A preflight still goes to a route that names OPTIONS, or to the
$default route (which catches OPTIONS too; the page's "$default route and an authorizer"
section); an `ANY` route does not take it.
Origins allowed for the gateway's default port also allow the port it really serves on
(`local_origins`, as the REST gateway does).
"""

from __future__ import annotations

from collections.abc import Mapping

from stratus.local.gateway.http_api.config import Cors


class CorsPolicy:
    def __init__(self, cors: Cors, local_origins: Mapping[str, str]) -> None:
        self.cors = cors
        self._wildcard = "*" in cors.allow_origins
        allowed = set(cors.allow_origins)
        for default, real in local_origins.items():
            if default in allowed:
                allowed.add(real)
        self._origins = allowed

    def allows(self, origin: str) -> bool:
        return self._wildcard or origin in self._origins

    def _allow_origin(self, origin: str) -> str:
        # With credentials a browser needs the exact origin, never "*".
        if self._wildcard and not self.cors.allow_credentials:
            return "*"
        return origin

    def preflight(
        self, origin: str | None, method: str | None, headers: str | None
    ) -> list[tuple[str, str]]:
        """The headers of API Gateway's 204 answer to a preflight (none when not allowed)."""
        if not origin or not self.allows(origin):
            return []
        cors = self.cors
        restricted = cors.allow_methods and "*" not in cors.allow_methods
        if method and restricted and method.upper() not in cors.allow_methods:
            return []
        out = [("access-control-allow-origin", self._allow_origin(origin))]
        if cors.allow_credentials:
            out.append(("access-control-allow-credentials", "true"))
        if cors.allow_methods:
            out.append(("access-control-allow-methods", ",".join(cors.allow_methods)))
        if cors.allow_headers:
            if "*" in cors.allow_headers and headers:
                out.append(("access-control-allow-headers", headers))
            else:
                out.append(("access-control-allow-headers", ",".join(cors.allow_headers)))
        if cors.expose_headers:
            out.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
        if cors.max_age is not None:
            out.append(("access-control-max-age", str(cors.max_age)))
        return out

    def response_headers(
        self, origin: str | None, headers: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """The integration's headers without its CORS headers, plus the configured ones."""
        kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
        if not origin or not self.allows(origin):
            return kept
        kept.append(("access-control-allow-origin", self._allow_origin(origin)))
        if self.cors.allow_credentials:
            kept.append(("access-control-allow-credentials", "true"))
        if self.cors.expose_headers:
            kept.append(("access-control-expose-headers", ",".join(self.cors.expose_headers)))
        return kept


def is_preflight(method: str, header: Mapping[str, str]) -> bool:
    return method == "OPTIONS" and "origin" in header and "access-control-request-method" in header
