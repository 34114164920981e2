"""The HTTPS gateway's ASGI app: REST API stages at /restapis/{apiId}/{stage}/..., anything
else to the Starlette routes the caller mounts (web apps, OpenAPI).

`/restapis/...` is a raw ASGI callable over route tables compiled at start, because the
added latency per authenticated call is the number that matters here (target: ≤ 2 ms p50
over the handler); Starlette's request/response objects are kept off that path.
Order per request, as AWS: route match (403) → throttling (429) → authorization
(authorizers/: resource policy, IAM/Cognito/Lambda authorizer 401/403/500, API key and usage
plan 403/429) → cache → integration (502/500/504) → GatewayResponse overrides → access log.
"""

from __future__ import annotations

import base64
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from stratus.local.core.contracts import LocalContext
from stratus.local.core.metrics import BuiltinMetrics
from stratus.local.core.settings import LocalSettings
from stratus.local.gateway import errors as E
from stratus.local.gateway.access_log import LogSink, emit, format_line
from stratus.local.gateway.authorizers import Authorization, AuthorizationFailed
from stratus.local.gateway.config import Method, RestApi, Stage, compile_apis, match
from stratus.local.gateway.domains import (
    CustomDomain,
    compile_domains,
    host_name,
    split_alias,
)
from stratus.local.gateway.http_api import http_apis_for
from stratus.local.gateway.integrations import (
    IntegrationCall,
    IntegrationError,
    IntegrationServices,
    RoleSessions,
    integrate,
)
from stratus.local.gateway.limits import GatewayStats, TokenBucket
from stratus.local.gateway.mapping.validation import (
    InvalidModel,
    RequestRejected,
    RequestToValidate,
    validate_request,
)
from stratus.local.gateway.proxy import RequestInfo, request_time
from stratus.local.gateway.recent import RecentApis
from stratus.local.gateway.releases import Releases
from stratus.local.gateway.stage_cache import CacheRefused, StageCaches
from stratus.local.provision.provisioner import policies_for_role
from stratus.local.usage.tap import record_rest
from stratus.local.xray.recorder import (
    GatewayTrace,
    gateway_begin,
    gateway_end,
    gateway_end_unsampled,
)

# A check run on every request to a stage before its routes (a REGIONAL AWS WAF web ACL
# plugs in here): None lets the request through; a GatewayError answers with that gateway
# response; a (status, headers, body) tuple answers as it is. Arguments: the request, the
# path as sent and the raw query string.
StageFilter = Callable[
    [RequestInfo, str, str], "E.GatewayError | tuple[int, list[tuple[str, str]], bytes] | None"
]

MAX_BODY = 10 * 1024 * 1024  # API Gateway's REST payload limit


class _Reply(Exception):
    """Ends a request early with a gateway error."""

    def __init__(self, error: E.GatewayError) -> None:
        self.error = error


class _Answered(Exception):
    """Ends a request early with a response a stage filter made (a web ACL's own)."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


class _ClientGone(Exception):
    """The client disconnected (or the read timeout closed it) before its body arrived:
    nothing is invoked and nothing is answered."""


def _extended_id() -> str:
    return base64.b64encode(os.urandom(10)).decode()[:14] + "="  # like "I9n8hGdYIAMFbAw="


class GatewayApp:
    def __init__(
        self,
        ctx: LocalContext,
        extra_routes: list[BaseRoute],
        clock: Callable[[], float],
        log_sink: LogSink | None,
        new_id: Callable[[], str],
        stats: GatewayStats,
        draw: Callable[[], float] = random.random,
        releases_store: Path | None = None,
        metrics: BuiltinMetrics | None = None,
    ) -> None:
        self.ctx = ctx
        self.metrics = metrics
        self.clock = clock
        self.log_sink = log_sink
        self.new_id = new_id
        self.stats = stats
        self.recent = RecentApis()  # the console's recent requests per API (REST and HTTP)
        self.apis: dict[str, RestApi] = compile_apis(ctx.deployment)
        # Canary releases and kept deployment snapshots (releases.py); `draw` is the
        # uniform [0, 1) source of the canary split.
        self.releases = Releases(ctx.deployment, self.apis, releases_store, draw)
        self.stage_filters: dict[tuple[str, str], list[StageFilter]] = {}
        http_ids = {r.physical_id for r in ctx.deployment.resources("AWS::ApiGatewayV2::Api")}
        self.domains: dict[str, CustomDomain] = compile_domains(ctx.deployment, http_ids)
        self.authorization = Authorization(ctx, clock)
        self.buckets: dict[tuple[str, ...], TokenBucket] = {}
        self.caches = StageCaches(
            self.authorization.iam,
            ctx.settings.region,
            ctx.settings.account_id,
            clock,
            stats,
        )
        self.fallback = Starlette(routes=list(extra_routes))
        # Sites other services serve on the gateway by Host or alias path (a user pool's
        # hosted UI): each has `match(scope)` and is an ASGI app (`GatewayService.start`).
        self.sites: list[Any] = []
        self.origins = local_origins(ctx.settings)
        ca = ctx.settings.ca_pem
        self.integrations = IntegrationServices(
            sessions=RoleSessions(
                ctx.credentials, lambda role: policies_for_role(ctx.deployment, role), clock
            ),
            origins=self.origins,
            ca_file=str(ca) if ca.is_file() else None,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        for site in self.sites:
            if site.match(scope) is not None:
                return await site(scope, receive, send)
        if scope["type"] == "http" and self.domains:
            domain = self.domains.get(host_name(_header(scope, b"host")))
            alias = split_alias(scope["path"]) if domain is None else None
            if alias is not None and alias[0] in self.domains:  # /_stratus/domains/<name>/
                domain, scope = self.domains[alias[0]], dict(scope, path=alias[1])
            if domain is not None:  # a custom domain name: by its API mappings
                return await self.serve_domain(domain, scope, receive, send)
        if scope["type"] == "http" and scope["path"].startswith("/httpapis/"):
            return await http_apis_for(self)(scope, receive, send)  # HTTP APIs (v2)
        if scope["type"] == "http" and scope["path"].startswith("/restapis/"):
            await self.handle(scope, receive, send)
        else:
            await self.fallback(scope, receive, send)

    async def serve_domain(
        self, domain: CustomDomain, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """A request to a custom domain name: the API stage its longest matching base path
        maps to, with the base path stripped (domains.py); no match: 403 Forbidden."""
        segments = scope["path"].split("/")[1:]
        if segments and segments[-1] == "":
            segments.pop()
        found = domain.resolve(segments)
        if found is None:
            body = b'{"message":"Forbidden"}'
            headers = [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", "ForbiddenException"),
                ("x-amzn-RequestId", self.new_id()),
            ]
            self.stats.status_counts[403] = self.stats.status_counts.get(403, 0) + 1
            return await _send(send, 403, headers, body)
        mapping, stage, rest = found
        tail = "/".join(quote(s, safe="") for s in rest)
        if mapping.kind == "http":
            prefix = f"/httpapis/{mapping.api_id}" + ("" if stage == "$default" else f"/{stage}")
            path = prefix + "/" + "/".join(rest)
            inner = dict(scope, path=path, raw_path=(prefix + "/" + tail).encode("latin-1"))
            inner["stratus.signed_path"] = _raw_path(scope)  # what a SigV4 signer signed
            return await http_apis_for(self)(inner, receive, send)
        inner = dict(scope, path=f"/restapis/{mapping.api_id}/{stage}/" + "/".join(rest))
        inner["stratus.client_path"] = scope["path"]  # the path as the client sent it
        await self.handle(inner, receive, send)

    def _filter(
        self, api: RestApi, stage: Stage, req: RequestInfo, raw_path: str, scope: Scope
    ) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """The stage's filters (a web ACL), first of all: AWS WAF is evaluated before
        resource policies, authorizers and keys
        (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html)."""
        checks = self.stage_filters.get((api.api_id, stage.name))
        if not checks:
            return None
        query = scope.get("query_string", b"").decode("latin-1")
        for check in checks:
            verdict = check(req, raw_path, query)
            if isinstance(verdict, E.GatewayError):
                raise _Reply(verdict)
            if verdict is not None:
                return verdict
        return None

    def _record_metrics(
        self, api: RestApi, stage: Stage, status: int, seconds: float, log: dict[str, Any]
    ) -> None:
        """API Gateway's REST metrics, per ApiName and per ApiName + Stage (CDK's
        `api.metricServerError()` and `stage.metric...()` alarm on these two sets):
        https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html"""
        assert self.metrics is not None
        region = self.ctx.settings.region
        sets = ((("ApiName", api.name),), (("ApiName", api.name), ("Stage", stage.name)))
        record = self.metrics
        record.count(region, "AWS/ApiGateway", "Count", sets)
        record.count(region, "AWS/ApiGateway", "4XXError", sets, float(400 <= status < 500))
        record.count(region, "AWS/ApiGateway", "5XXError", sets, float(status >= 500))
        record.observe(region, "AWS/ApiGateway", "Latency", sets, seconds * 1000.0)
        integration_ms = log.get("integration_latency_ms")
        if isinstance(integration_ms, int | float):
            record.observe(region, "AWS/ApiGateway", "IntegrationLatency", sets, integration_ms)
        if "cache" in log:
            hit = log["cache"] == "hit"
            record.count(region, "AWS/ApiGateway", "CacheHitCount", sets, float(hit))
            record.count(region, "AWS/ApiGateway", "CacheMissCount", sets, float(not hit))

    # -- one request ------------------------------------------------------------------
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = self.clock()
        self.stats.requests += 1
        raw_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        hmap = {k.lower(): v for k, v in raw_headers}
        client = scope.get("client") or ("127.0.0.1", 0)
        server = scope.get("server") or ("127.0.0.1", 443)
        # Headers API Gateway adds on the way to the integration (AWS sends these too).
        for name, value in (
            ("X-Forwarded-For", client[0]),
            ("X-Forwarded-Port", str(server[1])),
            ("X-Forwarded-Proto", scope.get("scheme", "https")),
        ):
            if name.lower() not in hmap:
                raw_headers.append((name, value))
        parts = scope["path"].split("/")  # ["", "restapis", apiId, stage, *segments]
        segments = parts[4:]
        if segments and segments[-1] == "":
            segments.pop()
        req = RequestInfo(
            method=scope["method"],
            path="/" + "/".join(segments),
            headers=raw_headers,
            query=parse_qsl(
                scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
            ),
            body=b"",
            source_ip=client[0],
            protocol="HTTP/" + scope.get("http_version", "1.1"),
            host=hmap.get("host") or f"{server[0]}:{server[1]}",
            request_id=self.new_id(),
            extended_request_id=_extended_id(),
            epoch_ms=int(started * 1000),
            client_path=scope.get("stratus.client_path"),
        )
        api = self.apis.get(parts[2]) if len(parts) > 2 else None
        stage = api.stages.get(parts[3]) if api is not None and len(parts) > 3 else None
        if api is not None and stage is not None:
            api, stage = self.releases.route(api, stage)  # the stage's deployment or canary
        trace = _trace_begin(raw_headers, hmap, stage, started)
        # The path exactly as sent (percent-encoded), for SigV4 checks of AWS_IAM methods.
        log: dict[str, Any] = {"raw_path": _raw_path(scope)}
        method: Method | None = None
        try:
            try:
                req.body = await _read_body(receive, hmap)
            except _ClientGone:
                return
            if api is None or stage is None:
                raise _Reply(E.MISSING_AUTH_TOKEN)
            answer = self._filter(api, stage, req, log["raw_path"], scope)
            if answer is not None:
                raise _Answered(*answer)
            found = match(api.root, segments)
            if found is None:
                raise _Reply(E.MISSING_AUTH_TOKEN)
            node, path_params = found
            log["path_params"] = path_params  # for GatewayResponse parameters
            method = node.methods.get(req.method) or node.methods.get("ANY")
            if method is None:
                raise _Reply(E.MISSING_AUTH_TOKEN)
            status, headers, body = await self._run(req, hmap, api, stage, method, path_params, log)
        except _Reply as reply:
            status, headers, body = self._error(reply.error, req, hmap, api, stage, method, log)
        except _Answered as answered:
            status, headers, body = answered.status, list(answered.headers), answered.body
        headers.append(("x-amzn-RequestId", req.request_id))
        headers.append(("x-amz-apigw-id", req.extended_request_id))
        headers.append(("X-Amzn-Trace-Id", trace.answer))
        self.stats.status_counts[status] = self.stats.status_counts.get(status, 0) + 1
        await _send(send, status, headers, body if req.method != "HEAD" else b"")
        if api is not None and stage is not None:  # for the console
            self.recent.record_rest(req, api.api_id, stage.name, status, started, self.clock(), log)
        self._trace_end(trace, req, api, stage, status, len(body), log)
        if self.metrics is not None and api is not None and stage is not None:
            self._record_metrics(api, stage, status, self.clock() - started, log)
            record_rest(self.metrics, self.ctx.settings.region, api, stage, method, req, body)
        if stage is not None and stage.access_log_format and self.log_sink is not None:
            values = self._context_values(req, stage, method, log)
            values["context.status"] = status
            values["context.responseLength"] = len(body)
            values["context.responseLatency"] = int((self.clock() - started) * 1000)
            line = format_line(stage.access_log_format, values)
            await emit(self.log_sink, stage.access_log_arn or "", line)

    async def _run(
        self,
        req: RequestInfo,
        hmap: dict[str, str],
        api: RestApi,
        stage: Stage,
        method: Method,
        path_params: dict[str, str],
        log: dict[str, Any],
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        setting = stage.setting_for(method.resource_path, req.method)
        if setting is not None and setting.rate is not None and setting.burst is not None:
            key = (api.api_id, stage.name, method.resource_path, req.method)
            bucket = self.buckets.get(key)
            if bucket is None:
                bucket = self.buckets[key] = TokenBucket(setting.rate, setting.burst, self.clock)
            if not bucket.take():
                self.stats.throttled += 1
                raise _Reply(E.THROTTLED)

        try:
            grant = await self.authorization.authorize(
                req, hmap, api, stage, method, path_params, log.get("raw_path") or req.path
            )
        except AuthorizationFailed as failure:
            log["error.reason"] = failure.reason
            raise _Reply(failure.error) from failure
        log["auth"] = grant.context_values()

        # After the authorizer, before the integration: API Gateway's request validation.
        if method.validator is not None:
            self._validate(req, hmap, api, method, path_params, log)

        try:
            cached = self.caches.lookup(
                req, hmap, stage, method, setting, path_params, log.get("raw_path") or req.path
            )
        except CacheRefused as refused:
            raise _Reply(refused.error) from None
        if cached is not None:
            log["cache"] = "hit" if cached.hit is not None else "miss"  # for the metrics
        if cached is not None and cached.hit is not None:
            return cached.hit.status, list(cached.hit.headers) + cached.extra, cached.hit.body

        call = IntegrationCall(
            ctx=self.ctx,
            req=req,
            hmap=hmap,
            api=api,
            stage=stage,
            method=method,
            path_params=path_params,
            claims=grant.claims,
            log=log,
            services=self.integrations,
            decorate=grant.decorate,
        )
        if method.spec.type != "MOCK":
            self.stats.integration_calls += 1
        integration_started = log["integration_started"] = self.clock()
        try:
            resp = await integrate(call)
        except IntegrationError as failure:
            raise _Reply(failure.error) from None
        finally:
            log["integration_latency_ms"] = (self.clock() - integration_started) * 1000.0
        if cached is None:
            return resp.status, resp.headers, resp.body
        cached.store(resp.status, resp.headers, resp.body)
        return resp.status, resp.headers + cached.extra, resp.body

    # -- helpers ----------------------------------------------------------------------
    def _trace_end(
        self,
        trace: GatewayTrace,
        req: RequestInfo,
        api: RestApi | None,
        stage: Stage | None,
        status: int,
        length: int,
        log: dict[str, Any],
    ) -> None:
        """The stage's X-Ray segment (xray.recorder), when the stage traces."""
        if not trace.sampled:  # nothing to record: skip building the segment's fields
            gateway_end_unsampled()
            return
        started = log.get("integration_started")
        latency = log.get("integration_latency_ms")
        window = None
        if isinstance(started, float) and isinstance(latency, float):
            window = (started, started + latency / 1000.0)
        region = self.ctx.settings.region
        api_id, stage_name = (api.api_id, stage.name) if api and stage else ("", "")
        gateway_end(
            trace,
            name=f"{api.name}/{stage_name}" if api else "API Gateway",
            resource_arn=f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage_name}",
            method=req.method,
            url=f"https://{req.host}{req.client_path or log.get('raw_path') or req.path}",
            client_ip=req.source_ip,
            user_agent=req.header_map().get("user-agent"),
            status=status,
            length=length,
            integration=window,
            request_id=req.request_id,
        )

    def _validate(
        self,
        req: RequestInfo,
        hmap: dict[str, str],
        api: RestApi,
        method: Method,
        path_params: dict[str, str],
        log: dict[str, Any],
    ) -> None:
        """The method's request validator (mapping.validation): 400 BAD_REQUEST_PARAMETERS /
        BAD_REQUEST_BODY with $context.error.validationErrorString."""
        query: dict[str, list[str]] = {}
        for name, value in req.query:
            query.setdefault(name, []).append(value)
        headers: dict[str, list[str]] = {}
        for name, value in req.headers:
            headers.setdefault(name, []).append(value)
        try:
            validate_request(
                method.validator,
                method.request_parameters,
                method.request_models,
                api.models,
                RequestToValidate(
                    path=path_params,
                    querystring=query,
                    header=headers,
                    body=req.body,
                    content_type=hmap.get("content-type"),
                ),
            )
        except RequestRejected as rejected:
            log["error.validationErrorString"] = rejected.validation_error_string
            raise _Reply(replace(rejected.error, message=rejected.message)) from None
        except InvalidModel:
            raise _Reply(E.CONFIGURATION_ERROR) from None

    def _error(
        self,
        err: E.GatewayError,
        req: RequestInfo,
        hmap: dict[str, str],
        api: RestApi | None,
        stage: Stage | None,
        method: Method | None,
        log: dict[str, Any],
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        log["error.message"] = err.message
        log["error.responseType"] = err.response_type
        declared = api.gateway_responses if api is not None and stage is not None else {}
        rendered = E.render_error(
            err,
            declared,
            {
                k: str(v)
                for k, v in self._context_values(req, stage, method, log).items()
                if v is not None
            },
            hmap,
            req.query_map(),
            stage.variables if stage is not None else {},
            log.get("path_params") or {},
        )
        return rendered.status, list(rendered.headers), rendered.body

    def _context_values(
        self, req: RequestInfo, stage: Stage | None, method: Method | None, log: Mapping[str, Any]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "context.requestId": req.request_id,
            "context.extendedRequestId": req.extended_request_id,
            "context.identity.sourceIp": req.source_ip,
            "context.identity.userAgent": req.header_map().get("user-agent"),
            "context.httpMethod": req.method,
            "context.resourcePath": method.resource_path if method else None,
            "context.resourceId": method.resource_id if method else None,
            "context.path": req.client_path or (f"/{stage.name}{req.path}" if stage else req.path),
            "context.stage": stage.name if stage else None,
            "context.apiId": stage.api_id if stage else None,
            "context.protocol": req.protocol,
            "context.requestTime": request_time(req.epoch_ms),
            "context.requestTimeEpoch": req.epoch_ms,
            "context.domainName": req.host,
            "context.error.message": log.get("error.message"),
            "context.error.responseType": log.get("error.responseType"),
            "context.integrationLatency": log.get("integrationLatency"),
            "context.integration.latency": log.get("integrationLatency"),
            "context.integration.status": log.get("integration.status"),
            "context.error.validationErrorString": log.get("error.validationErrorString"),
            "context.integrationStatus": log.get("integration.status"),
        }
        if stage is not None and stage.canary is not None:
            # "Present only when you enabled a canary" ($context variables reference:
            # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html).
            values["context.isCanaryRequest"] = "true" if stage.is_canary else "false"
        if log.get("error.message") is not None:
            values["context.error.messageString"] = '"' + str(log["error.message"]) + '"'
        values.update(log.get("auth") or {})
        return values


def _trace_begin(
    raw_headers: list[tuple[str, str]], hmap: dict[str, str], stage: Stage | None, now: float
) -> GatewayTrace:
    """Continue the client's trace (its Root kept) or start one; the integration gets
    `X-Amzn-Trace-Id` naming this stage's segment as Parent when the stage traces
    (https://docs.aws.amazon.com/xray/latest/devguide/xray-services-apigateway.html)."""
    trace = gateway_begin(hmap.get("x-amzn-trace-id"), bool(stage and stage.tracing_enabled), now)
    value = trace.downstream.render()
    raw_headers[:] = [(k, v) for k, v in raw_headers if k.lower() != "x-amzn-trace-id"]
    raw_headers.append(("X-Amzn-Trace-Id", value))
    hmap["x-amzn-trace-id"] = value
    return trace


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("latin-1").split("?", 1)[0]
    return quote(str(scope["path"]), safe="/-_.~!$&'()*+,;=:@%")


async def _read_body(receive: Receive, hmap: Mapping[str, str]) -> bytes:
    length = hmap.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY:
        raise _Reply(E.REQUEST_TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise _Reply(E.REQUEST_TOO_LARGE)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


async def _send(send: Send, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    # The gateway frames the response itself: a Content-Length or Transfer-Encoding from the
    # integration is dropped (API Gateway recomputes them), and 204/304 carry no body.
    if status in (204, 304):
        body = b""
    raw = [
        (k.lower().encode("latin-1"), v.encode("latin-1", "replace"))
        for k, v in headers
        if k.lower() not in _FRAMING_HEADERS
    ]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def local_origins(settings: LocalSettings) -> dict[str, str]:
    """The gateway's default web origins (what a CDK app allows for local use) -> where this
    gateway really serves web apps; empty when it runs on its default port."""
    from stratus.local.core.discovery import port_defaults

    default_port = port_defaults().get("gateway", 4443)
    port = settings.ports.gateway
    if port == default_port and not settings.lan:
        return {}
    hosts = dict.fromkeys([settings.host, "127.0.0.1", "localhost"])
    if settings.lan:  # `up --lan`: web apps are used at the LAN address (what a phone opens)
        return {f"https://{h}:{default_port}": settings.gateway_origin for h in hosts}
    return {f"https://{h}:{default_port}": f"https://{h}:{port}" for h in hosts}


def _json_bytes(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def build_gateway_app(
    ctx: LocalContext,
    *,
    extra_routes: list[BaseRoute] | None = None,
    clock: Callable[[], float] = time.time,
    log_sink: LogSink | None = None,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    stats: GatewayStats | None = None,
    draw: Callable[[], float] = random.random,
    releases_store: Path | None = None,
    metrics: BuiltinMetrics | None = None,
) -> GatewayApp:
    """The ASGI app for the :4443 HTTPS server. `app.stats` holds the gateway's counters;
    `draw` is the canary split's random source; `releases_store` keeps deployment
    snapshots and live stages across restarts (releases.py)."""
    return GatewayApp(
        ctx,
        list(extra_routes or []),
        clock,
        log_sink,
        new_id,
        stats or GatewayStats(),
        draw,
        releases_store,
        metrics,
    )
