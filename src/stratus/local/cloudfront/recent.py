"""The edge's recent requests per distribution, for the console's distribution page.

One `EdgeRequest` per viewer request routed to a distribution: its path, status, the
`X-Cache` result CloudFront reports (Hit, RefreshHit, Miss, Error, LambdaGeneratedResponse:
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cache-hit-ratio-explained.html),
bytes sent and time taken, in a bounded ring buffer per distribution with per-minute hit
and miss counts (core.recent). Hits are Hit and RefreshHit, as CloudFront counts its cache
hit rate; errors and generated responses are neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stratus.local.core.recent import MinuteBucket, RecentLog

_HITS = frozenset({"Hit", "RefreshHit"})


@dataclass(frozen=True)
class EdgeRequest:
    at: float  # epoch seconds when the request arrived
    method: str
    path: str  # the path as the viewer asked for it (without the local routing prefix)
    status: int
    cache: str  # the X-Cache result, "Hit" of "Hit from cloudfront"
    bytes: int
    ms: float


def cache_outcome(label: str) -> bool | None:
    """True for a hit, False for a miss, None for neither (an error, a generated answer)."""
    if label in _HITS:
        return True
    return False if label == "Miss" else None


class RecentEdge:
    def __init__(self, size: int = 200) -> None:
        self.log: RecentLog[EdgeRequest] = RecentLog(size)

    def add(self, distribution_id: str, request: EdgeRequest) -> None:
        self.log.record(distribution_id, request, request.at, cache_outcome(request.cache))

    def requests(self, distribution_id: str, limit: int | None = None) -> list[EdgeRequest]:
        return self.log.entries(distribution_id, limit)

    def cache_series(
        self, distribution_id: str, now: float, minutes: int = 60
    ) -> list[MinuteBucket]:
        return self.log.series(distribution_id, now, minutes)

    def record_response(
        self, distribution_id: str, scope: dict[str, Any], response: Any, started: float, now: float
    ) -> None:
        """A response the edge sent (its raw headers carry X-Cache)."""
        label = ""
        for name, value in getattr(response, "raw_headers", ()):
            if name.lower() == b"x-cache":
                label = value.decode("latin-1").split(" from ", 1)[0]
                break
        path = str(scope.get("path", "/"))
        prefix = f"/_stratus/distributions/{distribution_id}"
        if path.startswith(prefix):
            path = path[len(prefix) :] or "/"
        query = scope.get("query_string", b"").decode("latin-1")
        self.add(
            distribution_id,
            EdgeRequest(
                at=started,
                method=str(scope.get("method", "GET")),
                path=f"{path}?{query}" if query else path,
                status=int(getattr(response, "status_code", 0)),
                cache=label or "-",
                bytes=len(getattr(response, "body", b"") or b""),
                ms=(now - started) * 1000.0,
            ),
        )
