"""The cache key, and what of the viewer's request reaches the origin.

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-the-cache-key.html:
the key is the path plus the headers, cookies and query strings the cache policy names;
"all values in the cache key are automatically included in requests that CloudFront sends
to the origin", and the origin request policy adds more that are forwarded but not keyed
(controlling-origin-requests.html). Header names are case-insensitive; cookie and query
string names and every value are case-sensitive (cache-hit-ratio.html). Query string
parameters keep the viewer's order, as CloudFront forwards them ("always list parameters in
the same order", cache-hit-ratio.html#cache-hit-ratio-query-string-parameters).
Forwarding every header (legacy `Headers: ["*"]`) disables caching for that behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus

from stratus.local.cloudfront.policies import CachePolicy, OriginRequestPolicy, Selection

# Headers CloudFront never forwards as viewer headers, whatever a policy says: they belong to
# the connection or are CloudFront's own (RequestAndResponseBehaviorCustomOrigin.html).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "expect",
        "accept-encoding",
        "if-none-match",
        "if-modified-since",
        "if-match",
        "if-unmodified-since",
        "if-range",
        "range",
    }
)

Headers = Sequence[tuple[str, str]]  # lower-case names, in the viewer's order


@dataclass(frozen=True)
class CacheKey:
    distribution: str
    method: str  # "GET" (also HEAD) or "OPTIONS"
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    cookies: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Forwarded:
    """What the origin receives from the viewer's request."""

    query: tuple[tuple[str, str], ...]  # raw (still percent-encoded) name, value
    headers: tuple[tuple[str, str], ...]
    cookies: tuple[tuple[str, str], ...]

    @property
    def query_string(self) -> str:
        return "&".join(f"{k}={v}" if v != "\0" else k for k, v in self.query)


def parse_query(raw: str) -> list[tuple[str, str]]:
    """Raw pairs in order; a bare name (`?flag`) has the value "\\0" so it stays bare."""
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        pairs.append((name, value if sep else "\0"))
    return pairs


def parse_cookies(headers: Headers) -> list[tuple[str, str]]:
    found = []
    for name, value in headers:
        if name != "cookie":
            continue
        for part in value.split(";"):
            cname, sep, cvalue = part.strip().partition("=")
            if cname and sep:
                found.append((cname, cvalue))
    return found


def caches_at_all(policy: CachePolicy) -> bool:
    return policy.headers.behavior != "all" and not (
        policy.max_ttl == 0 and policy.default_ttl == 0
    )


def cache_key(
    distribution: str,
    method: str,
    path: str,
    raw_query: str,
    headers: Headers,
    policy: CachePolicy,
) -> CacheKey:
    query = parse_query(raw_query)
    cookies = parse_cookies(headers)
    return CacheKey(
        distribution,
        "OPTIONS" if method == "OPTIONS" else "GET",
        path,
        tuple(p for p in query if policy.query_strings.selects(unquote_plus(p[0]))),
        tuple(
            sorted(
                (n, v)
                for n, v in headers
                if n not in HOP_BY_HOP and n != "cookie" and policy.headers.selects(n)
            )
        ),
        tuple(sorted(c for c in cookies if policy.cookies.selects(c[0]))),
    )


def forwarded(
    raw_query: str, headers: Headers, policy: CachePolicy, origin: OriginRequestPolicy | None
) -> Forwarded:
    def wanted(keyed: Selection, extra: Selection | None, name: str) -> bool:
        return keyed.selects(name) or (extra is not None and extra.selects(name))

    o_query = origin.query_strings if origin else None
    o_headers = origin.headers if origin else None
    o_cookies = origin.cookies if origin else None
    query = tuple(
        p
        for p in parse_query(raw_query)
        if wanted(policy.query_strings, o_query, unquote_plus(p[0]))
    )
    kept = tuple(
        (n, v)
        for n, v in headers
        if n not in HOP_BY_HOP and n != "cookie" and wanted(policy.headers, o_headers, n)
    )
    cookies = tuple(c for c in parse_cookies(headers) if wanted(policy.cookies, o_cookies, c[0]))
    return Forwarded(query, kept, cookies)
