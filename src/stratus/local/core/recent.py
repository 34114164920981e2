"""Recent entries kept for the console: the last N per key (an API, a distribution, a
function's invocations) and, where asked, per-minute cache hit/miss counts over the last
hour.

Hand-written because no library keeps both: a `collections.deque(maxlen=N)` per key is the
ring buffer, and a fixed wheel of 60 minute slots per key counts hits and misses, all under
one lock (the gateway records from its event loop, the console reads from a worker thread).
Recording costs a deque append and three integer updates; memory is bounded by N entries
and 60 slots per key, and by `max_keys` keys (the least recently recorded key goes first).

The hit ratio comes from these counters rather than CloudWatch's built-in metrics: it is
exact to the current minute (the built-in metrics reach CloudWatch only when its tick drains
them), it is the same for the API cache and the edge (CloudFront publishes no hit rate
unless its additional metrics are turned on), and a page view costs no GetMetricData.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
DEFAULT_SIZE = 200  # requests kept per key
DEFAULT_MINUTES = 60  # minutes of hit/miss counts kept per key
DEFAULT_MAX_KEYS = 256


@dataclass(frozen=True)
class MinuteBucket:
    start: float  # epoch seconds at the start of the minute
    requests: int
    hits: int
    misses: int

    @property
    def ratio(self) -> float | None:
        """Hits over cache lookups (hits + misses); None without any lookup."""
        looked = self.hits + self.misses
        return self.hits / looked if looked else None


class MinuteWheel:
    """Per-minute counts over the last `slots` minutes, in fixed memory."""

    def __init__(self, slots: int = DEFAULT_MINUTES) -> None:
        self.slots = slots
        self._minute = [-1] * slots
        self._counts = [[0, 0, 0] for _ in range(slots)]  # requests, hits, misses

    def add(self, when: float, hit: bool | None) -> None:
        minute = int(when // 60)
        index = minute % self.slots
        counts = self._counts[index]
        if self._minute[index] != minute:
            self._minute[index] = minute
            counts[0] = counts[1] = counts[2] = 0
        counts[0] += 1
        if hit is True:
            counts[1] += 1
        elif hit is False:
            counts[2] += 1

    def series(self, now: float, minutes: int | None = None) -> list[MinuteBucket]:
        """The last `minutes` minutes up to `now`'s, oldest first (empty minutes as 0)."""
        count = min(minutes or self.slots, self.slots)
        last = int(now // 60)
        out = []
        for minute in range(last - count + 1, last + 1):
            index = minute % self.slots
            if self._minute[index] == minute:
                requests, hits, misses = self._counts[index]
            else:
                requests = hits = misses = 0
            out.append(MinuteBucket(minute * 60.0, requests, hits, misses))
        return out


class RecentLog(Generic[T]):
    """The last `size` entries and (`minutes` > 0) a minute wheel per key; thread-safe."""

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        minutes: int = DEFAULT_MINUTES,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        self.size = size
        self.minutes = minutes
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, deque[T]] = OrderedDict()
        self._wheels: dict[Hashable, MinuteWheel] = {}

    def record(self, key: Hashable, entry: T, when: float, hit: bool | None = None) -> None:
        with self._lock:
            entries = self._entries.get(key)
            if entries is None:
                if len(self._entries) >= self.max_keys:
                    old, _ = self._entries.popitem(last=False)
                    self._wheels.pop(old, None)
                entries = self._entries[key] = deque(maxlen=self.size)
                if self.minutes:
                    self._wheels[key] = MinuteWheel(self.minutes)
            else:
                self._entries.move_to_end(key)
            entries.append(entry)
            wheel = self._wheels.get(key)
            if wheel is not None:
                wheel.add(when, hit)

    def replace_newest(
        self, key: Hashable, match: Callable[[T], bool], new: Callable[[T], T]
    ) -> bool:
        """Replace the newest entry of `key` that `match`es by `new(entry)`; whether found."""
        with self._lock:
            entries = self._entries.get(key) or deque()
            for index in range(len(entries) - 1, -1, -1):  # newest first: usually the last
                if match(entries[index]):
                    entries[index] = new(entries[index])
                    return True
        return False

    def entries(self, key: Hashable, limit: int | None = None) -> list[T]:
        """Newest first."""
        with self._lock:
            found = list(self._entries.get(key, ()))
        found.reverse()
        return found[:limit] if limit is not None else found

    def series(self, key: Hashable, now: float, minutes: int | None = None) -> list[MinuteBucket]:
        with self._lock:
            wheel = self._wheels.get(key)
            if wheel is not None:
                return wheel.series(now, minutes)
        return MinuteWheel(self.minutes or DEFAULT_MINUTES).series(now, minutes)
