"""A stage's throttling (token buckets) and response cache, with counters for tests and benches.

Both are a few lines of arithmetic over an injected clock; no library fits the exact AWS
rules (per-method buckets from MethodSettings, cache keyed by method, resource and the
integration's CacheKeyParameters, 1 MB entry limit), so they are written here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

MAX_CACHED_BODY = 1_048_576  # AWS: responses larger than 1 MB are not cached


@dataclass
class GatewayStats:
    """Counters the gateway keeps (AWS has them as CloudWatch metrics, never as headers)."""

    requests: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    cache_invalidations: int = 0
    throttled: int = 0
    integration_calls: int = 0
    status_counts: dict[int, int] = field(default_factory=dict)


class TokenBucket:
    """AWS's throttling algorithm: `burst` tokens, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


@dataclass(frozen=True)
class CachedResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ResponseCache:
    """One stage's cache cluster: an LRU of responses, each valid for its method's TTL."""

    def __init__(self, clock: Callable[[], float], max_entries: int = 2048) -> None:
        self._clock = clock
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, ...], tuple[float, CachedResponse]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, response = entry
        if expires <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return response

    def put(self, key: tuple[str, ...], response: CachedResponse, ttl: int) -> None:
        if ttl <= 0 or len(response.body) > MAX_CACHED_BODY:
            return
        self._entries[key] = (self._clock() + ttl, response)
        self._entries.move_to_end(key)
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def invalidate(self, key: tuple[str, ...]) -> None:
        self._entries.pop(key, None)


def cache_key_part(
    param: str, headers: Mapping[str, str], query: Mapping[str, str], path: Mapping[str, str]
) -> str:
    """One CacheKeyParameters entry's part of the key, e.g. "method.request.querystring.q=a"."""
    for prefix, table, lower in (
        ("method.request.header.", headers, True),
        ("method.request.querystring.", query, False),
        ("method.request.multivaluequerystring.", query, False),
        ("method.request.path.", path, False),
    ):
        if param.startswith(prefix):
            name = param[len(prefix) :]
            return f"{param}={table.get(name.lower() if lower else name, '')}"
    return param
