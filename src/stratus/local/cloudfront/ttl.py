"""How long CloudFront keeps an object: the policy's TTLs combined with the origin's headers.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html
(table "How CloudFront uses the minimum, default and maximum TTL"):

- `Cache-Control: s-maxage` is for shared caches and wins over `max-age`; either is clamped
  to [minimum TTL, maximum TTL];
- without them, `Expires` (its date minus the response's `Date`, or now) is clamped the same;
- with none of these, the default TTL;
- `no-cache`, `no-store` or `private`: not cached when the minimum TTL is 0; with a minimum
  TTL above 0 "CloudFront uses the cache policy's minimum TTL, even if the Cache-Control:
  no-cache, no-store, and/or private directives are present".
- A TTL of 0 still stores the object, revalidated at the origin on every request
  ("If you set the TTL to 0, CloudFront still caches the content ... makes a GET request
  with If-Modified-Since", DownloadDistValuesCacheBehavior.html#DownloadDistValuesMinTTL);
  locally that needs a validator (ETag or Last-Modified) to revalidate with.
- Error responses are kept for the error caching minimum TTL (10 s unless a custom error
  response says otherwise), HTTPStatusCodes.html#HTTPStatusCodes-cached-errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from stratus.local.cloudfront.policies import CachePolicy

DEFAULT_ERROR_CACHING_MIN_TTL = 10
# The 4xx and 5xx codes CloudFront caches (HTTPStatusCodes.html).
CACHED_ERRORS = frozenset({400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504})
CACHEABLE_SUCCESS = frozenset({200, 203, 206, 300, 301, 410})
_UNCACHEABLE = ("no-cache", "no-store", "private")


@dataclass(frozen=True)
class Freshness:
    store: bool  # keep the object at all
    ttl: int  # seconds it is fresh (0: revalidate on every request)


def directives(cache_control: str | None) -> dict[str, str | None]:
    """`Cache-Control` as {directive (lower-case): argument or None}."""
    found: dict[str, str | None] = {}
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.strip().lower()] = value.strip().strip('"') if value else None
    return found


def _seconds(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        return None


def _expires_in(headers: Mapping[str, str], now: float) -> int | None:
    expires = headers.get("expires")
    if expires is None:
        return None
    try:
        at = parsedate_to_datetime(expires).timestamp()
    except (TypeError, ValueError, IndexError):
        return 0  # an invalid date means "already expired" (RFC 9111 section 5.3)
    base = now
    if headers.get("date"):
        try:
            base = parsedate_to_datetime(headers["date"]).timestamp()
        except (TypeError, ValueError, IndexError):
            base = now
    return max(0, int(at - base))


def _clamp(value: int, policy: CachePolicy) -> int:
    return max(policy.min_ttl, min(value, policy.max_ttl))


def freshness(
    status: int,
    headers: Mapping[str, str],
    policy: CachePolicy,
    now: float,
    *,
    error_min_ttl: int | None = None,
) -> Freshness:
    """How long to keep a response (`headers` with lower-case names)."""
    if policy.max_ttl == 0 and policy.default_ttl == 0:
        return Freshness(False, 0)  # caching disabled
    if status >= 400:
        if status not in CACHED_ERRORS:
            return Freshness(False, 0)
        ttl = DEFAULT_ERROR_CACHING_MIN_TTL if error_min_ttl is None else error_min_ttl
        return Freshness(ttl > 0, ttl)
    if status not in CACHEABLE_SUCCESS:
        return Freshness(False, 0)
    cc = directives(headers.get("cache-control"))
    if any(d in cc for d in _UNCACHEABLE):
        if policy.min_ttl > 0:
            return Freshness(True, policy.min_ttl)
        return Freshness(False, 0)
    seconds = _seconds(cc.get("s-maxage")) if "s-maxage" in cc else None
    if seconds is None and "max-age" in cc:
        seconds = _seconds(cc.get("max-age"))
    if seconds is None:
        seconds = _expires_in(headers, now)
    ttl = policy.default_ttl if seconds is None else _clamp(seconds, policy)
    if ttl > 0:
        return Freshness(True, ttl)
    validators = "etag" in headers or "last-modified" in headers
    return Freshness(validators, 0)
