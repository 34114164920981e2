"""The gateway's recent requests per API, for the console's API page.

One `ApiRequest` per finished request to a known API and stage (REST or HTTP API), kept in
a bounded ring buffer per API id with per-minute cache hit/miss counts (core.recent). The
gateway calls `record_rest` / `record_http` once per request, after the response is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stratus.local.core.recent import MinuteBucket, RecentLog

if TYPE_CHECKING:
    from stratus.local.gateway.http_api.events import HttpRequest
    from stratus.local.gateway.proxy import RequestInfo

_CALLER_KEYS = (  # REST $context values, most specific first
    "context.authorizer.claims.sub",
    "context.authorizer.principalId",
    "context.identity.userArn",
    "context.identity.caller",
    "context.identity.cognitoIdentityId",
)


@dataclass(frozen=True)
class ApiRequest:
    at: float  # epoch seconds when the request arrived
    stage: str
    method: str
    path: str  # the path after the stage, as routed
    status: int
    latency_ms: float
    integration_ms: float | None
    caller: str | None  # the user's sub, the authorizer's principal or the IAM caller
    cache: str | None  # "hit" | "miss" | None (no stage cache for this method)


class RecentApis:
    """Recent requests and cache counts per API id."""

    def __init__(self, size: int = 200) -> None:
        self.log: RecentLog[ApiRequest] = RecentLog(size)

    def add(self, api_id: str, request: ApiRequest) -> None:
        hit = None if request.cache is None else request.cache == "hit"
        self.log.record(api_id, request, request.at, hit)

    def requests(self, api_id: str, limit: int | None = None) -> list[ApiRequest]:
        return self.log.entries(api_id, limit)

    def cache_series(self, api_id: str, now: float, minutes: int = 60) -> list[MinuteBucket]:
        return self.log.series(api_id, now, minutes)

    def record_rest(
        self,
        req: RequestInfo,
        api_id: str,
        stage: str,
        status: int,
        started: float,
        now: float,
        log: Mapping[str, Any],
    ) -> None:
        """A REST API request, from the gateway's per-request `log` values."""
        integration = log.get("integration_latency_ms")
        auth = log.get("auth") or {}
        caller = next((str(auth[k]) for k in _CALLER_KEYS if auth.get(k)), None)
        cache = log.get("cache")
        self.add(
            api_id,
            ApiRequest(
                at=started,
                stage=stage,
                method=req.method,
                path=req.path,
                status=status,
                latency_ms=(now - started) * 1000.0,
                integration_ms=float(integration) if isinstance(integration, int | float) else None,
                caller=caller,
                cache=cache if cache in ("hit", "miss") else None,
            ),
        )

    def record_http(
        self,
        req: HttpRequest,
        stage: str,
        status: int,
        started: float,
        now: float,
        log: Mapping[str, Any],
    ) -> None:
        """An HTTP API request (HTTP APIs have no cache)."""
        integration = log.get("integrationLatency")
        auth = log.get("auth")
        caller = None
        if auth is not None:
            claims = getattr(auth, "jwt_claims", None) or {}
            caller = claims.get("sub") or getattr(auth, "principal_id", None)
        self.add(
            req.api_id,
            ApiRequest(
                at=started,
                stage=stage,
                method=req.method,
                path=req.raw_path,
                status=status,
                latency_ms=(now - started) * 1000.0,
                integration_ms=float(integration) if isinstance(integration, int | float) else None,
                caller=str(caller) if caller else None,
                cache=None,
            ),
        )
