"""A stage's throttling (token buckets), with counters for tests and benches.

A few lines of arithmetic over an injected clock; no library fits the exact AWS rules
(per-method buckets from MethodSettings), so they are written here. The response cache is
stage_cache.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


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
