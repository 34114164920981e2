"""CloudFront's rules as the edge applies them: TTLs, cache keys, path patterns, ranges,
invalidation paths, dot segments, Lambda@Edge results."""

from __future__ import annotations

import brotli
import pytest

from stratus.local.cloudfront import edge_lambda, paths, ranges, respond
from stratus.local.cloudfront.cache_key import cache_key, forwarded
from stratus.local.cloudfront.config import local_domain
from stratus.local.cloudfront.edge_lambda import EdgeError, ViewerRequest
from stratus.local.cloudfront.patterns import first_match, matches
from stratus.local.cloudfront.policies import (
    MANAGED_CACHE_POLICIES,
    CachePolicy,
    OriginRequestPolicy,
    Selection,
    legacy_cache_policy,
)
from stratus.local.cloudfront.store import (
    CachedObject,
    EdgeCache,
    invalidation_matches,
    valid_invalidation_path,
)
from stratus.local.cloudfront.ttl import freshness

POLICY = CachePolicy(min_ttl=10, default_ttl=100, max_ttl=1000)
NOW = 1_700_000_000.0


# -- TTL ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cache_control", "ttl"),
    [
        (None, 100),  # no header: the default TTL
        ("max-age=50", 50),
        ("max-age=5", 10),  # clamped up to the minimum
        ("max-age=5000", 1000),  # clamped down to the maximum
        ("max-age=50, s-maxage=500", 500),  # s-maxage wins for a shared cache
        ("public, max-age=abc", 100),  # unparseable: as if absent
    ],
)
def test_ttl_clamps_the_origin_header_between_min_and_max(
    cache_control: str | None, ttl: int
) -> None:
    headers = {"cache-control": cache_control} if cache_control else {}
    assert freshness(200, headers, POLICY, NOW).ttl == ttl


def test_expires_counts_from_the_response_date_when_no_max_age() -> None:
    headers = {
        "date": "Tue, 14 Nov 2023 22:13:20 GMT",
        "expires": "Tue, 14 Nov 2023 22:18:20 GMT",
    }
    assert freshness(200, headers, POLICY, NOW).ttl == 300
    assert freshness(200, {**headers, "cache-control": "max-age=60"}, POLICY, NOW).ttl == 60


@pytest.mark.parametrize("directive", ["no-cache", "no-store", "private"])
def test_uncacheable_directives_cache_only_for_a_minimum_ttl(directive: str) -> None:
    zero_min = CachePolicy(min_ttl=0, default_ttl=100, max_ttl=1000)
    assert not freshness(200, {"cache-control": directive}, zero_min, NOW).store
    kept = freshness(200, {"cache-control": directive}, POLICY, NOW)
    assert kept.store and kept.ttl == 10


def test_ttl_zero_keeps_an_object_with_a_validator_for_revalidation() -> None:
    policy = CachePolicy(min_ttl=0, default_ttl=0, max_ttl=1000)
    assert freshness(200, {"cache-control": "max-age=0", "etag": '"a"'}, policy, NOW).store
    assert not freshness(200, {"cache-control": "max-age=0"}, policy, NOW).store


def test_caching_disabled_never_stores() -> None:
    disabled = MANAGED_CACHE_POLICIES["4135ea2d-6df8-44a3-9df3-4b5a84be39ad"]
    assert not freshness(200, {"cache-control": "max-age=600"}, disabled, NOW).store


def test_errors_are_kept_for_the_error_caching_minimum_ttl() -> None:
    assert freshness(404, {}, POLICY, NOW).ttl == 10
    assert freshness(503, {}, POLICY, NOW, error_min_ttl=0).store is False
    assert not freshness(418, {}, POLICY, NOW).store  # not a code CloudFront caches


# -- cache key ------------------------------------------------------------------------------
def test_cache_key_selects_query_strings_headers_and_cookies_by_policy() -> None:
    policy = CachePolicy(
        headers=Selection("whitelist", ("x-lang",)),
        cookies=Selection("allExcept", ("session",)),
        query_strings=Selection("whitelist", ("page",)),
    )
    headers = [("x-lang", "fr"), ("user-agent", "ua"), ("cookie", "session=1; theme=dark")]
    key = cache_key("D1", "HEAD", "/a", "page=2&utm=x", headers, policy)
    assert key.method == "GET"  # GET and HEAD share objects
    assert key.query == (("page", "2"),)
    assert key.headers == (("x-lang", "fr"),)
    assert key.cookies == (("theme", "dark"),)
    other = cache_key(
        "D1",
        "GET",
        "/a",
        "utm=y&page=2",
        [("x-lang", "fr"), ("cookie", "theme=dark; session=2")],
        policy,
    )
    assert other == key


def test_header_names_are_case_insensitive_values_are_not() -> None:
    policy = CachePolicy(headers=Selection("whitelist", ("x-lang",)))
    a = cache_key("D", "GET", "/", "", [("x-lang", "FR")], policy)
    b = cache_key("D", "GET", "/", "", [("x-lang", "fr")], policy)
    assert a != b


def test_origin_request_policy_forwards_without_keying() -> None:
    policy = CachePolicy(query_strings=Selection("whitelist", ("v",)))
    origin = OriginRequestPolicy(
        headers=Selection("whitelist", ("x-extra",)), query_strings=Selection("all")
    )
    sent = forwarded(
        "v=1&w=2", [("x-extra", "1"), ("x-no", "2"), ("range", "bytes=0-1")], policy, origin
    )
    assert sent.query_string == "v=1&w=2"
    assert sent.headers == (("x-extra", "1"),)
    assert cache_key("D", "GET", "/", "v=1&w=2", [], policy).query == (("v", "1"),)


def test_legacy_forwarded_values_become_an_equivalent_policy() -> None:
    policy = legacy_cache_policy(
        {
            "ForwardedValues": {
                "QueryString": True,
                "QueryStringCacheKeys": ["a"],
                "Headers": ["Accept-Language"],
                "Cookies": {"Forward": "whitelist", "WhitelistedNames": ["lang"]},
            },
            "MinTTL": 5,
            "DefaultTTL": 50,
            "MaxTTL": 500,
        }
    )
    assert (policy.min_ttl, policy.default_ttl, policy.max_ttl) == (5, 50, 500)
    assert policy.query_strings == Selection("whitelist", ("a",))
    assert policy.headers == Selection("whitelist", ("accept-language",))
    assert policy.cookies.selects("lang") and not policy.cookies.selects("other")


# -- path patterns --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("/api/*", "/api/x/y", True),
        ("api/*", "/api/x", True),  # the leading slash is optional
        ("/api/*", "/API/x", False),  # case-sensitive
        ("*.jpg", "/a/b.jpg", True),
        ("/images/?.png", "/images/a.png", True),
        ("/images/?.png", "/images/ab.png", False),
        ("/a.b", "/aXb", False),  # a dot is literal
    ],
)
def test_path_patterns(pattern: str, path: str, hit: bool) -> None:
    assert matches(pattern, path) is hit


def test_first_listed_behaviour_wins_then_the_default() -> None:
    table = [("/img/*", "images"), ("*.jpg", "jpegs")]
    assert first_match(table, "/img/a.jpg", "default") == "images"
    assert first_match(table, "/b.jpg", "default") == "jpegs"
    assert first_match(table, "/index.html", "default") == "default"


# -- ranges ---------------------------------------------------------------------------------
def test_ranges() -> None:
    assert ranges.parse_range("bytes=0-9", 100) == ranges.ByteRange(0, 9)
    assert ranges.parse_range("bytes=90-", 100) == ranges.ByteRange(90, 99)
    assert ranges.parse_range("bytes=-10", 100) == ranges.ByteRange(90, 99)
    assert ranges.parse_range("bytes=50-500", 100) == ranges.ByteRange(50, 99)
    for ignored in ("bytes=abc", "items=0-1", "bytes=9-1", "bytes=0-1,5-6", ""):
        assert ranges.parse_range(ignored, 100) is None
    with pytest.raises(ranges.Unsatisfiable):
        ranges.parse_range("bytes=100-", 100)


# -- invalidation ---------------------------------------------------------------------------
def test_invalidation_paths_and_wildcards() -> None:
    assert valid_invalidation_path("/images/*") and valid_invalidation_path("/*")
    assert not valid_invalidation_path("images/a.jpg") and not valid_invalidation_path("/a*b")
    key = cache_key(
        "D", "GET", "/images/a.jpg", "v=1", [], CachePolicy(query_strings=Selection("all"))
    )
    assert invalidation_matches("/images/*", key)
    assert invalidation_matches("/images/a*", key)
    assert invalidation_matches("/images/a.jpg", key)  # every query string variant
    assert invalidation_matches("/images/a.jpg?v=1", key)
    assert not invalidation_matches("/images/a.jpg?v=2", key)
    assert not invalidation_matches("/Images/*", key)  # case-sensitive


def test_cache_is_bounded_lru_and_invalidates_per_distribution() -> None:
    cache = EdgeCache(max_bytes=10_000)
    policy = CachePolicy()
    keys = [cache_key("D", "GET", f"/{i}", "", [], policy) for i in range(5)]
    for key in keys[:3]:
        cache.put(key, CachedObject(200, [], b"x" * 2000, NOW, 60))
    cache.get(keys[0])  # most recently used now
    for key in keys[3:]:
        cache.put(key, CachedObject(200, [], b"x" * 2000, NOW, 60))
    assert cache.bytes_used <= 10_000
    assert cache.get(keys[1]) is None and cache.get(keys[0]) is not None
    other = cache_key("E", "GET", "/0", "", [], policy)
    cache.put(other, CachedObject(200, [], b"y", NOW, 60))
    assert cache.invalidate("D", ["/*"]) >= 1
    assert cache.get(other) is not None and cache.get(keys[0]) is None


# -- paths, names, responses ----------------------------------------------------------------
def test_dot_segments_resolve_and_never_climb_above_the_root() -> None:
    assert paths.normalize("/a/../b") == "/b"
    assert paths.normalize("/../../etc/passwd") == "/etc/passwd"
    assert paths.normalize("/%2e%2e/%2E%2E/x") == "/x"
    assert paths.normalize("/a/./b/") == "/a/b/"
    for bad in ("a/b", "/a%00b"):
        with pytest.raises(paths.BadPath):
            paths.normalize(bad)


def test_local_domain_looks_like_cloudfronts() -> None:
    domain = local_domain("E1ABCDEF")
    assert domain.endswith(".cloudfront.localhost") and len(domain.split(".")[0]) == 14
    assert domain == local_domain("E1ABCDEF")


def test_conditional_and_encoding_choices() -> None:
    assert respond.not_modified('"a", W/"b"', None, 'W/"b"', None)
    assert not respond.not_modified('"c"', None, '"b"', None)
    lm = "Tue, 14 Nov 2023 22:13:20 GMT"
    assert respond.not_modified(None, lm, None, lm)
    assert respond.choose_encoding("gzip, deflate", True, True) == "gzip"
    assert respond.choose_encoding("gzip;q=0", True, False) is None
    assert respond.choose_encoding("gzip, deflate, br", True, True) == "br"
    assert respond.choose_encoding("gzip, deflate, br", True, False) == "gzip"
    page = b"<p>hello</p>" * 200
    assert brotli.decompress(respond.compress(page, "br")) == page
    assert respond.weak_etag('"x"') == 'W/"x"'


# -- Lambda@Edge results --------------------------------------------------------------------
def _viewer() -> ViewerRequest:
    return ViewerRequest(
        "GET", "/", "", [("Host", "d.example"), ("Accept-Language", "fr")], "1.2.3.4"
    )


def test_request_event_has_cloudfronts_shape() -> None:
    event = edge_lambda.request_event("viewer-request", "D1", "d.example", "rid", _viewer())
    cf = event["Records"][0]["cf"]
    assert cf["config"] == {
        "distributionDomainName": "d.example",
        "distributionId": "D1",
        "eventType": "viewer-request",
        "requestId": "rid",
    }
    assert cf["request"]["headers"]["accept-language"] == [
        {"key": "Accept-Language", "value": "fr"}
    ]
    assert cf["request"]["clientIp"] == "1.2.3.4" and cf["request"]["uri"] == "/"


def test_modified_request_and_generated_response_limits() -> None:
    viewer = _viewer()
    edge_lambda.apply_request(
        {
            "uri": "/fr/index.html",
            "querystring": "a=1",
            "headers": {"host": [{"key": "Host", "value": "x"}]},
        },
        viewer,
        "viewer-request",
    )
    assert (viewer.uri, viewer.querystring, viewer.headers) == (
        "/fr/index.html",
        "a=1",
        [("Host", "x")],
    )
    with pytest.raises(EdgeError) as too_big:
        edge_lambda.generated_response({"status": "200", "body": "x" * 41_000}, "viewer-request")
    assert too_big.value.status == 502
    assert (
        edge_lambda.generated_response(
            {"status": "200", "body": "x" * 41_000}, "origin-request"
        ).status
        == 200
    )
    with pytest.raises(EdgeError):
        edge_lambda.apply_request({"uri": "no-slash"}, viewer, "viewer-request")
