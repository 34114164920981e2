"""The edge: one viewer request through a distribution, as CloudFront processes it.

Order (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-cloudfront-trigger-events.html):
route by Host -> viewer filters (the WAF hook) -> behaviour by path pattern -> allowed
methods -> viewer-request function (before the cache, so its changes make the key) ->
default root object -> cache lookup (Hit; a stale object with validators is revalidated:
304 is a RefreshHit) -> on a miss, one origin fetch per key at a time (origin-request
function, origin, origin-response function) -> custom error response -> conditional 304 /
Range 206 / compression -> viewer-response function -> response headers policy ->
CloudFront's headers.

Routing: the Host header (port ignored) names the distribution by its domain
(`d….cloudfront.localhost`) or an alias. Without DNS, a browser can use
`https://127.0.0.1:<edge port>/_stratus/distributions/<id>/<path>`, and a request to
127.0.0.1/localhost reaches the only distribution when there is exactly one.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from stratus.local.cloudfront import edge_lambda, paths, ranges, respond
from stratus.local.cloudfront.cache_key import (
    CacheKey,
    Forwarded,
    cache_key,
    caches_at_all,
    forwarded,
    parse_cookies,
    parse_query,
)
from stratus.local.cloudfront.config import Behavior, Distribution
from stratus.local.cloudfront.edge_lambda import EdgeError, EdgeResponse, ViewerRequest
from stratus.local.cloudfront.origins import OriginCall, OriginGateway
from stratus.local.cloudfront.recent import RecentEdge
from stratus.local.cloudfront.store import CachedObject, EdgeCache
from stratus.local.cloudfront.ttl import freshness
from stratus.local.core.contracts import LambdaInvoker
from stratus.local.core.metrics import BuiltinMetrics

PREFIX = "/_stratus/distributions/"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_KEEP_ON_304 = ("etag", "last-modified", "cache-control", "expires", "date", "vary")
_MESSAGES = {
    400: "Bad request.",
    403: "Bad request. We can't connect to the server for this app or website at this time.",
    405: "This distribution is not configured to allow the HTTP request method that was used "
    "for this request. The distribution supports only cachable requests.",
    414: "Bad request. The request URL is too long.",
    502: "CloudFront wasn't able to connect to the origin.",
    503: "The Lambda function associated with the CloudFront distribution is invalid or "
    "doesn't have the required permissions.",
    504: "CloudFront attempted to establish a connection with the origin, but either the "
    "attempt failed or the origin closed the connection.",
}


@dataclass
class EdgeStats:
    hits: int = 0
    refresh_hits: int = 0
    misses: int = 0
    errors: int = 0
    generated: int = 0
    collapsed: int = 0  # served by another request's in-flight fetch (counted as hits too)
    lambda_invocations: dict[str, int] = field(default_factory=dict)


@dataclass
class Served:
    """What the cache or origin gave: an object to send, and how it was obtained."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    label: str  # Hit | RefreshHit | Miss | LambdaGeneratedResponse | Error
    obj: CachedObject | None = None  # when from (or now in) the cache
    key: CacheKey | None = None
    age: int | None = None


BODY_CHUNK = 256 * 1024


class Edge:
    """The ASGI app on the edge port."""

    def __init__(
        self,
        distributions: list[Distribution],
        origins: OriginGateway,
        lambdas: LambdaInvoker | None,
        cache: EdgeCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.origins = origins
        self.lambdas = lambdas
        self.cache = cache if cache is not None else EdgeCache(clock=clock)  # empty is falsy
        self.clock = clock
        self.stats = EdgeStats()
        self.recent = RecentEdge()  # the console's recent requests per distribution
        self.metrics: BuiltinMetrics | None = None  # CloudWatch's AWS/CloudFront metrics
        self.distributions: dict[str, Distribution] = {}
        self.by_host: dict[str, Distribution] = {}
        for dist in distributions:
            self.add(dist)

    def add(self, dist: Distribution) -> None:
        self.distributions[dist.id] = dist
        for name in dist.names():
            self.by_host[name.lower()] = dist

    # -- ASGI -----------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        started = self.clock()
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)
        dist = scope.get("stratus.distribution")
        if dist is not None:  # for the console
            self.recent.record_response(dist.id, scope, response, started, self.clock())
        if self.metrics is not None and dist is not None:
            self._record_metrics(dist, response)

    def _record_metrics(self, dist: Distribution, response: Response) -> None:
        """CloudFront's default metrics, per DistributionId with Region "Global", in
        us-east-1: Requests and BytesDownloaded (sums) and the error rates (percent, so each
        request observes 0 or 100 and the Average is the rate)
        (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html)."""
        assert self.metrics is not None
        dims = ((("DistributionId", dist.id), ("Region", "Global")),)
        status = response.status_code
        record = self.metrics
        record.count("us-east-1", "AWS/CloudFront", "Requests", dims)
        size = float(len(getattr(response, "body", b"") or b""))
        record.count("us-east-1", "AWS/CloudFront", "BytesDownloaded", dims, size, "None")
        for name, hit in (
            ("4xxErrorRate", 400 <= status < 500),
            ("5xxErrorRate", status >= 500),
            ("TotalErrorRate", status >= 400),
        ):
            record.observe("us-east-1", "AWS/CloudFront", name, dims, 100.0 * hit, "Percent")

    def route(self, host: str, raw_path: str) -> tuple[Distribution, str] | None:
        if raw_path.startswith(PREFIX):
            dist_id, _, rest = raw_path[len(PREFIX) :].partition("/")
            dist = self.distributions.get(dist_id)
            return (dist, "/" + rest) if dist is not None else None
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        dist = self.by_host.get(name.lower())
        if dist is not None:
            return dist, raw_path
        if name.lower() in LOCAL_HOSTS and len(self.distributions) == 1:
            return next(iter(self.distributions.values())), raw_path
        return None

    async def handle(self, request: Request) -> Response:
        cf_id = respond.request_id()
        scope = request.scope
        raw_path = scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        if raw_path == "/_stratus/edge/stats":
            return Response(json.dumps(self.describe_stats()), media_type="application/json")
        if len(raw_path) + len(query) > paths.MAX_URL_BYTES:
            return self._error(None, 414, cf_id)
        routed = self.route(request.headers.get("host", ""), raw_path)
        if routed is None or not routed[0].enabled:
            return self._error(None, 403, cf_id)
        dist, path = routed
        scope["stratus.distribution"] = dist  # for the metrics
        try:
            uri = paths.normalize(path)
        except paths.BadPath:
            return self._error(dist, 400, cf_id)
        viewer = ViewerRequest(
            method=request.method,
            uri=uri,
            querystring=query,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            client_ip=request.client.host if request.client else "127.0.0.1",
            body=await request.body(),
        )
        for check in dist.viewer_filters:
            blocked = await check(viewer)
            if isinstance(blocked, Response):
                return blocked
        behavior = dist.behavior_for(viewer.uri)
        if viewer.method not in behavior.allowed_methods:
            return self._error(dist, 403, cf_id, message=_MESSAGES[405])
        try:
            return await self._process(dist, behavior, viewer, cf_id)
        except EdgeError as error:
            self.stats.errors += 1
            return self._error(dist, error.status, cf_id, detail=error.kind)

    # -- the pipeline ---------------------------------------------------------------------
    async def _process(
        self, dist: Distribution, behavior: Behavior, viewer: ViewerRequest, cf_id: str
    ) -> Response:
        viewer_fn = behavior.lambdas.get("viewer-request")
        if viewer_fn is not None:
            value = await self._invoke(
                dist,
                viewer_fn.arn,
                "viewer-request",
                cf_id,
                viewer,
                include_body=viewer_fn.include_body,
            )
            if "status" in value:
                generated = edge_lambda.generated_response(value, "viewer-request")
                self.stats.generated += 1
                served = Served(
                    generated.status, generated.headers, generated.body, "LambdaGeneratedResponse"
                )
                return await _finish(self, dist, behavior, viewer, served, cf_id, False)
            edge_lambda.apply_request(value, viewer, "viewer-request")
        if viewer.uri == "/" and dist.root_object:
            # DefaultRootObject.html: only the root, never subdirectories.
            viewer.uri = "/" + dist.root_object
        served = await self._obtain(dist, behavior, viewer, cf_id)
        if served.status >= 400:
            served = await self._custom_error(dist, viewer, served, cf_id)
        return await _finish(self, dist, behavior, viewer, served, cf_id, True)

    async def _obtain(
        self, dist: Distribution, behavior: Behavior, viewer: ViewerRequest, cf_id: str
    ) -> Served:
        policy = behavior.cache_policy
        method = viewer.method
        cacheable = (
            method in ("GET", "HEAD", "OPTIONS")
            and method in behavior.cached_methods
            and caches_at_all(policy)
        )
        if not cacheable:
            response = await self._from_origin(dist, behavior, viewer, method, (), cf_id)
            return self._count(Served(response.status, response.headers, response.body, "Miss"))
        key = cache_key(
            dist.id, method, viewer.uri, viewer.querystring, viewer.lower_headers(), policy
        )
        now = self.clock()
        obj = self.cache.get(key)
        if obj is not None and obj.fresh(now):
            return self._count(
                Served(obj.status, obj.headers, obj.body, "Hit", obj, key, obj.age(now))
            )
        pending = self.cache.inflight(key)
        if pending is not None:
            shared = await asyncio.shield(pending)
            if shared is not None:
                self.stats.collapsed += 1
                return self._count(
                    Served(
                        shared.status,
                        shared.headers,
                        shared.body,
                        "Hit",
                        shared,
                        key,
                        shared.age(self.clock()),
                    )
                )
            response = await self._from_origin(
                dist, behavior, viewer, _origin_method(method), (), cf_id
            )
            return self._count(Served(response.status, response.headers, response.body, "Miss"))
        self.cache.begin(key)
        stored: CachedObject | None = None
        try:
            served = await self._fill(dist, behavior, viewer, key, obj, cf_id)
            stored = served.obj
        finally:
            self.cache.finish(key, stored)
        return self._count(served)

    async def _fill(
        self,
        dist: Distribution,
        behavior: Behavior,
        viewer: ViewerRequest,
        key: CacheKey,
        stale: CachedObject | None,
        cf_id: str,
    ) -> Served:
        validators: list[tuple[str, str]] = []
        if stale is not None:
            if stale.etag:
                validators.append(("if-none-match", stale.etag))
            if stale.last_modified:
                validators.append(("if-modified-since", stale.last_modified))
        response = await self._from_origin(
            dist, behavior, viewer, _origin_method(viewer.method), tuple(validators), cf_id
        )
        now = self.clock()
        if stale is not None and response.status == 304:
            merged = [(k, v) for k, v in stale.headers if k not in _header_names(response.headers)]
            merged += [(k, v) for k, v in response.headers if k in _KEEP_ON_304]
            fresh = freshness(200, dict(merged), behavior.cache_policy, now)
            stale.headers, stale.stored_at, stale.ttl = merged, now, fresh.ttl
            self.cache.put(key, stale)
            return Served(stale.status, stale.headers, stale.body, "RefreshHit", stale, key, 0)
        if stale is not None and response.status >= 500:
            # An origin error while revalidating: CloudFront serves the object it has
            # (HTTPStatusCodes.html, "If the object is in the cache but expired").
            return Served(
                stale.status, stale.headers, stale.body, "Hit", stale, key, stale.age(now)
            )
        error = dist.errors.get(response.status)
        fresh = freshness(
            response.status,
            dict(response.headers),
            behavior.cache_policy,
            now,
            error_min_ttl=error.min_ttl if error is not None else None,
        )
        label = "Miss"
        if fresh.store and not (response.generated and response.status >= 500):
            obj = CachedObject(response.status, response.headers, response.body, now, fresh.ttl)
            if self.cache.put(key, obj):
                return Served(obj.status, obj.headers, obj.body, label, obj, key)
        else:
            self.cache.remove(key)
        return Served(response.status, response.headers, response.body, label)

    async def _from_origin(
        self,
        dist: Distribution,
        behavior: Behavior,
        viewer: ViewerRequest,
        method: str,
        validators: tuple[tuple[str, str], ...],
        cf_id: str,
    ) -> EdgeResponse:
        origin = dist.origins.get(behavior.origin_id)
        if origin is None:
            return EdgeResponse(502, [], b"", generated=True)
        fwd = forwarded(
            viewer.querystring,
            viewer.lower_headers(),
            behavior.cache_policy,
            behavior.origin_request_policy,
        )
        uri = viewer.uri
        body = viewer.body
        fn = behavior.lambdas.get("origin-request")
        if fn is not None:
            origin_view = ViewerRequest(
                method,
                uri,
                fwd.query_string,
                [*fwd.headers, *_cookie_header(fwd), ("host", origin.domain)],
                viewer.client_ip,
                body,
            )
            value = await self._invoke(
                dist,
                fn.arn,
                "origin-request",
                cf_id,
                origin_view,
                include_body=fn.include_body,
                origin=_origin_event(origin),
            )
            if "status" in value:
                self.stats.generated += 1
                return edge_lambda.generated_response(value, "origin-request")
            edge_lambda.apply_request(value, origin_view, "origin-request")
            lowered = [(k.lower(), v) for k, v in origin_view.headers if k.lower() != "host"]
            fwd = Forwarded(
                tuple(parse_query(origin_view.querystring)),
                tuple((k, v) for k, v in lowered if k != "cookie"),
                tuple(parse_cookies(lowered)),
            )
            uri, body = origin_view.uri, origin_view.body
        call = OriginCall(origin, method, uri, fwd, body, validators)
        response = await self.origins.fetch(dist, call, viewer, respond.via(dist.id), cf_id)
        fn = behavior.lambdas.get("origin-response")
        if fn is not None and not response.generated:
            origin_view = ViewerRequest(
                method, uri, fwd.query_string, list(fwd.headers), viewer.client_ip
            )
            value = await self._invoke(
                dist,
                fn.arn,
                "origin-response",
                cf_id,
                origin_view,
                response=response,
                origin=_origin_event(origin),
            )
            response = edge_lambda.apply_response(value, response, "origin-response")
        return response

    async def _custom_error(
        self, dist: Distribution, viewer: ViewerRequest, served: Served, cf_id: str
    ) -> Served:
        """GeneratingCustomErrorResponses.html: the page at ResponsePagePath (fetched through
        the behaviour for its path, cached like any object) with ResponseCode."""
        config = dist.errors.get(served.status)
        if config is None or not config.page_path:
            return served
        page_viewer = ViewerRequest(
            "GET",
            config.page_path,
            "",
            [
                (k, v)
                for k, v in viewer.headers
                if k.lower() not in ("range", "if-none-match", "if-modified-since")
            ],
            viewer.client_ip,
        )
        behavior = dist.behavior_for(config.page_path)
        page = await self._obtain(dist, behavior, page_viewer, cf_id)
        if page.status >= 400:
            return served
        status = config.response_code or served.status
        return Served(status, page.headers, page.body, "Error", page.obj, page.key, page.age)

    def _count(self, served: Served) -> Served:
        if served.status >= 400:
            self.stats.errors += 1
        elif served.label == "Hit":
            self.stats.hits += 1
        elif served.label == "RefreshHit":
            self.stats.refresh_hits += 1
        else:
            self.stats.misses += 1
        return served

    async def _invoke(
        self,
        dist: Distribution,
        arn: str,
        event_type: str,
        cf_id: str,
        request: ViewerRequest,
        *,
        include_body: bool = False,
        origin: dict[str, Any] | None = None,
        response: EdgeResponse | None = None,
    ) -> dict[str, Any]:
        if self.lambdas is None:
            raise EdgeError(503, "LambdaExecutionError", "no Lambda runtime")
        event = edge_lambda.request_event(
            event_type,
            dist.id,
            dist.domain,
            cf_id,
            request,
            include_body=include_body,
            origin=origin,
            response=response,
        )
        self.stats.lambda_invocations[event_type] = (
            self.stats.lambda_invocations.get(event_type, 0) + 1
        )
        return await edge_lambda.run(self.lambdas, arn, event_type, event)

    def _error(
        self,
        dist: Distribution | None,
        status: int,
        cf_id: str,
        *,
        message: str | None = None,
        detail: str = "",
    ) -> Response:
        body = respond.error_page(status, message or _MESSAGES.get(status, "Error."), cf_id)
        headers = {
            "content-type": "text/html",
            "x-cache": "Error from cloudfront",
            "x-amz-cf-pop": respond.POP,
            "x-amz-cf-id": cf_id,
        }
        if dist is not None:
            headers["via"] = respond.via(dist.id)
        if detail:
            headers["x-stratus-edge-error"] = detail
        return Response(body, status_code=status, headers=headers)

    def describe_stats(self) -> dict[str, Any]:
        s = self.stats
        return {
            "hits": s.hits,
            "refresh_hits": s.refresh_hits,
            "misses": s.misses,
            "errors": s.errors,
            "generated": s.generated,
            "collapsed": s.collapsed,
            "origin_requests": self.origins.requests,
            "lambda_invocations": dict(s.lambda_invocations),
            "objects": len(self.cache),
            "bytes": self.cache.bytes_used,
            "max_bytes": self.cache.max_bytes,
            "evictions": self.cache.evictions,
        }


async def _finish(
    edge: Edge,
    dist: Distribution,
    behavior: Behavior,
    viewer: ViewerRequest,
    served: Served,
    cf_id: str,
    run_viewer_fn: bool,
) -> Response:
    status, headers, body = served.status, list(served.headers), served.body
    full_length = len(body)
    if status == 200 and viewer.method in ("GET", "HEAD"):
        if respond.not_modified(
            viewer.header("if-none-match"),
            viewer.header("if-modified-since"),
            _get(headers, "etag"),
            _get(headers, "last-modified"),
        ):
            status, body = 304, b""
            headers = [(k, v) for k, v in headers if k in _KEEP_ON_304]
        elif viewer.header("range") is not None and viewer.method == "GET":
            try:
                wanted = ranges.parse_range(viewer.header("range"), full_length)
            except ranges.Unsatisfiable:
                status, body = 416, b""
                headers = [(k, v) for k, v in headers if k not in ("content-type",)]
                headers.append(("content-range", f"bytes */{full_length}"))
            else:
                if wanted is not None:
                    status = 206
                    body = body[wanted.start : wanted.end + 1]
                    headers.append(("content-range", wanted.content_range(full_length)))
        else:
            body, headers = _maybe_compress(edge, behavior, viewer, served, body, headers)
    if status in (200, 206) and not any(k == "accept-ranges" for k, _ in headers):
        headers.append(("accept-ranges", "bytes"))
    fn = behavior.lambdas.get("viewer-response") if run_viewer_fn else None
    if fn is not None:
        shown = EdgeResponse(status, headers, b"")
        value = await edge._invoke(dist, fn.arn, "viewer-response", cf_id, viewer, response=shown)
        edge_lambda.apply_response(value, shown, "viewer-response")
        headers = shown.headers
        if shown.body:
            body = shown.body
    origin_header = viewer.header("origin")
    headers = respond.apply_policy(behavior.response_headers_policy, headers, origin_header)
    label = "Error" if served.status >= 400 or served.label == "Error" else served.label
    headers = [(k, v) for k, v in headers if k not in ("x-cache", "via", "age", "content-length")]
    headers += [
        ("x-cache", f"{label} from cloudfront"),
        ("via", respond.via(dist.id)),
        ("x-amz-cf-pop", respond.POP),
        ("x-amz-cf-id", cf_id),
    ]
    if served.label in ("Hit", "RefreshHit") and served.age is not None:
        headers.append(("age", str(served.age)))
    out = ChunkedResponse(b"" if viewer.method == "HEAD" else body, status_code=status)
    out.raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers] + [
        (b"content-length", str(len(body)).encode())
    ]
    return out


class ChunkedResponse(Response):
    """A body sent in slices of BODY_CHUNK, each awaited: the server's flow control then
    holds at most one slice per connection in its write buffer (Python 3.11's transports
    copy what is written into a buffer, so a 100 MB object sent whole to 200 viewers at once
    would hold 20 GB), while every viewer shares the one cached object."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        view = memoryview(self.body)
        for start in range(0, len(view), BODY_CHUNK):
            chunk = bytes(view[start : start + BODY_CHUNK])
            more = start + BODY_CHUNK < len(view)
            await send({"type": "http.response.body", "body": chunk, "more_body": more})
        if not view:
            await send({"type": "http.response.body", "body": b""})


def _maybe_compress(
    edge: Edge,
    behavior: Behavior,
    viewer: ViewerRequest,
    served: Served,
    body: bytes,
    headers: list[tuple[str, str]],
) -> tuple[bytes, list[tuple[str, str]]]:
    policy = behavior.cache_policy
    if not behavior.compress or not respond.compressible(headers, len(body)):
        return body, headers
    encoding = respond.choose_encoding(viewer.header("accept-encoding"), policy.gzip, policy.brotli)
    if encoding is None:
        return body, headers
    obj = served.obj
    compressed = obj.variants.get(encoding) if obj is not None else None
    if compressed is None:
        compressed = respond.compress(body, encoding)
        if obj is not None and served.key is not None:
            before = obj.size
            obj.variants[encoding] = compressed
            edge.cache.grow(served.key, before)
    out = [(k, respond.weak_etag(v) if k == "etag" else v) for k, v in headers]
    out.append(("content-encoding", encoding))
    return compressed, out


def _origin_method(method: str) -> str:
    return "GET" if method == "HEAD" else method


def _get(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def _header_names(headers: list[tuple[str, str]]) -> set[str]:
    return {k for k, _ in headers}


def _cookie_header(fwd: Forwarded) -> list[tuple[str, str]]:
    if not fwd.cookies:
        return []
    return [("cookie", "; ".join(f"{k}={v}" for k, v in fwd.cookies))]


def _origin_event(origin: Any) -> dict[str, Any]:
    custom_headers = {k.lower(): [{"key": k, "value": v}] for k, v in origin.custom_headers}
    if origin.kind == "s3":
        return {
            "s3": {
                "authMethod": "origin-access-identity" if origin.oai else "none",
                "customHeaders": custom_headers,
                "domainName": origin.domain,
                "path": origin.path,
                "region": "us-east-1",
            }
        }
    return {
        "custom": {
            "customHeaders": custom_headers,
            "domainName": origin.domain,
            "keepaliveTimeout": 5,
            "path": origin.path,
            "port": origin.https_port
            if origin.protocol_policy != "http-only"
            else origin.http_port,
            "protocol": "http" if origin.protocol_policy == "http-only" else "https",
            "readTimeout": int(origin.read_timeout),
            "sslProtocols": ["TLSv1.2"],
        }
    }
