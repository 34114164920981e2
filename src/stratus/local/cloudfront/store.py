"""The edge cache: objects by cache key, bounded in bytes (least recently used out first),
emptied by invalidations, with concurrent misses for one key collapsed into one fetch.

Invalidation paths (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html):
case-sensitive, starting with `/`; "the `*` wildcard ... must be the last character"
(`/images/*`, `/images/image*`, `/*`); every header and cookie variant of a path goes with
it; a path with a query string names that variant only, a path without one every variant.

Request collapsing (RequestAndResponseBehaviorCustomOrigin.html#request-custom-traffic-spikes):
"if simultaneous requests for the same object arrive ... CloudFront sends only one request
to the origin"; the others are served from that one fetch (a Hit). Locally they share it
when it was stored; a response that may not be cached sends each waiter to the origin
itself, so nothing private is shared.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from stratus.local.cloudfront.cache_key import CacheKey

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# CloudFront caches objects up to 50 GB; locally one object may use at most this share of
# the cache, so a single huge file cannot evict everything else.
MAX_OBJECT_SHARE = 0.25


@dataclass
class CachedObject:
    status: int
    headers: list[tuple[str, str]]  # lower-case names, as the origin sent them
    body: bytes
    stored_at: float  # fetched or last revalidated (Age counts from here)
    ttl: int
    variants: dict[str, bytes] = field(default_factory=dict)  # compressed bodies by coding

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def etag(self) -> str | None:
        return self.header("etag")

    @property
    def last_modified(self) -> str | None:
        return self.header("last-modified")

    def fresh(self, now: float) -> bool:
        return now < self.stored_at + self.ttl

    def age(self, now: float) -> int:
        return max(0, int(now - self.stored_at))

    @property
    def size(self) -> int:
        head = sum(len(k) + len(v) for k, v in self.headers)
        return len(self.body) + head + sum(len(v) for v in self.variants.values()) + 200


def valid_invalidation_path(path: str) -> bool:
    return path.startswith("/") and "*" not in path[:-1]


def invalidation_matches(pattern: str, key: CacheKey) -> bool:
    target = key.path
    if "?" in pattern:
        query = "&".join(f"{k}={v}" if v != "\0" else k for k, v in key.query)
        target = f"{key.path}?{query}" if query else key.path
    if pattern.endswith("*"):
        return target.startswith(pattern[:-1])
    return target == pattern


class EdgeCache:
    def __init__(
        self, max_bytes: int = DEFAULT_MAX_BYTES, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_bytes = max_bytes
        self.clock = clock
        self._objects: OrderedDict[CacheKey, CachedObject] = OrderedDict()
        self._bytes = 0
        self._inflight: dict[CacheKey, asyncio.Future[CachedObject | None]] = {}
        self.evictions = 0

    # -- lookups --------------------------------------------------------------------------
    def get(self, key: CacheKey) -> CachedObject | None:
        found = self._objects.get(key)
        if found is not None:
            self._objects.move_to_end(key)
        return found

    def put(self, key: CacheKey, obj: CachedObject) -> bool:
        self.remove(key)
        size = obj.size
        if size > self.max_bytes * MAX_OBJECT_SHARE:
            return False
        self._objects[key] = obj
        self._bytes += size
        while self._bytes > self.max_bytes and self._objects:
            _, old = self._objects.popitem(last=False)
            self._bytes -= old.size
            self.evictions += 1
        return True

    def grow(self, key: CacheKey, before: int) -> None:
        """Account for an object that changed size in place (a compressed variant added)."""
        obj = self._objects.get(key)
        if obj is None:
            return
        self._bytes += obj.size - before
        while self._bytes > self.max_bytes and self._objects:
            _, old = self._objects.popitem(last=False)
            self._bytes -= old.size
            self.evictions += 1

    def remove(self, key: CacheKey) -> None:
        old = self._objects.pop(key, None)
        if old is not None:
            self._bytes -= old.size

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._objects)

    # -- invalidation ---------------------------------------------------------------------
    def invalidate(self, distribution: str, paths: Iterable[str]) -> int:
        patterns = list(paths)
        doomed = [
            key
            for key in self._objects
            if key.distribution == distribution
            and any(invalidation_matches(p, key) for p in patterns)
        ]
        for key in doomed:
            self.remove(key)
        return len(doomed)

    def matching(self, distribution: str, paths: Iterable[str]) -> int:
        """How many cached objects an invalidation of `paths` would remove (for the console)."""
        patterns = list(paths)
        return sum(
            1
            for key in list(self._objects)
            if key.distribution == distribution
            and any(invalidation_matches(p, key) for p in patterns)
        )

    def clear(self) -> None:
        self._objects.clear()
        self._bytes = 0

    # -- collapsing -----------------------------------------------------------------------
    def inflight(self, key: CacheKey) -> asyncio.Future[CachedObject | None] | None:
        return self._inflight.get(key)

    def begin(self, key: CacheKey) -> asyncio.Future[CachedObject | None]:
        future: asyncio.Future[CachedObject | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        return future

    def finish(self, key: CacheKey, result: CachedObject | None) -> None:
        future = self._inflight.pop(key, None)
        if future is not None and not future.done():
            future.set_result(result)
