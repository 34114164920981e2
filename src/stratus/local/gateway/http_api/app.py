"""The HTTP APIs' ASGI app: https://<gateway>/httpapis/{apiId}/[{stage}/]{path}.

The path after /httpapis/{apiId} is the path a client sends to
https://{apiId}.execute-api.{region}.amazonaws.com, so the $default stage has no stage
segment and a named stage is the first segment, exactly as on AWS.
Order per request, as AWS: stage and route (404) → CORS preflight → throttling (429) →
authorizer (401/403/500) → integration (500/503) → CORS headers → access log.
Errors are HTTP APIs' plain `{"message": ...}` bodies; every answer carries
`apigw-requestid`.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl

import httpx
from starlette.types import Receive, Scope, Send

from stratus.local.core.contracts import LocalContext
from stratus.local.core.metrics import BuiltinMetrics
from stratus.local.gateway.access_log import LogSink, emit, format_line
from stratus.local.gateway.authorizers.iam import IamCallers, IamDenied
from stratus.local.gateway.http_api.authorizers import (
    Denied,
    JwtAuthorizers,
    LambdaAuthorizers,
    identity_values,
)
from stratus.local.gateway.http_api.config import HttpApi, Route, Stage, compile_http_apis
from stratus.local.gateway.http_api.cors import CorsPolicy, is_preflight
from stratus.local.gateway.http_api.events import (
    AuthContext,
    HttpRequest,
    authorizer_event_v2,
    event_v1,
    event_v2,
)
from stratus.local.gateway.http_api.integrations import (
    IntegrationFailure,
    forward_http,
    invoke_lambda,
)
from stratus.local.gateway.http_api.responses import HttpResponse
from stratus.local.gateway.http_api.routing import RouteTable, select_stage, split_path
from stratus.local.gateway.limits import TokenBucket
from stratus.local.gateway.proxy import domain_prefix, request_time
from stratus.local.gateway.recent import RecentApis
from stratus.local.iam.sigv4 import SignedRequest
from stratus.local.usage.tap import record_http
from stratus.local.xray.recorder import continue_trace

MAX_BODY = 10 * 1024 * 1024  # HTTP APIs' payload limit (http-api-quotas.html)
PREFIX = "/httpapis/"
_MESSAGES = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class _Reply(Exception):
    def __init__(self, status: int, reason: str = "", headers: tuple[tuple[str, str], ...] = ()):
        super().__init__(reason or _MESSAGES.get(status, ""))
        self.status = status
        self.reason = reason
        self.headers = headers


class _ClientGone(Exception):
    pass


def new_request_id() -> str:
    """Like AWS's apigw-requestid ("Mc7UVioPPHcEKPA=")."""
    return base64.b64encode(os.urandom(10)).decode()[:14] + "="


class HttpApiApp:
    def __init__(
        self,
        ctx: LocalContext,
        *,
        clock: Callable[[], float] = time.time,
        log_sink: LogSink | None = None,
        new_id: Callable[[], str] = new_request_id,
        origins: Mapping[str, str] | None = None,
        fetch_jwks: Callable[[str], Any] | None = None,
        recent: RecentApis | None = None,
        metrics: BuiltinMetrics | None = None,
    ) -> None:
        self.ctx = ctx
        self.metrics = metrics  # the gateway's: usage totals per API and route
        self.recent = recent  # the console's recent requests (the gateway's)
        self.clock = clock
        self.log_sink = log_sink
        self.new_id = new_id
        self.apis: dict[str, HttpApi] = compile_http_apis(ctx.deployment)
        self.tables = {api_id: RouteTable(api.routes) for api_id, api in self.apis.items()}
        self.cors = {
            api_id: CorsPolicy(api.cors, origins or {})
            for api_id, api in self.apis.items()
            if api.cors is not None
        }
        self.jwt = JwtAuthorizers(
            ctx.token_keys, ctx.settings.region, ctx.token_clock or clock, fetch_jwks
        )
        self.lambda_authorizers = LambdaAuthorizers(ctx.lambdas, clock)
        self.iam = IamCallers(
            ctx.credentials, ctx.deployment, ctx.settings.region, ctx.settings.account_id, clock
        )
        self.buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._http: httpx.AsyncClient | None = None

    # -- one request ------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = self.clock()
        client = scope.get("client") or ("127.0.0.1", 0)
        server = scope.get("server") or ("127.0.0.1", 443)
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        names = {k for k, _ in headers}
        for name, value in (
            ("x-forwarded-for", client[0]),
            ("x-forwarded-port", str(server[1])),
            ("x-forwarded-proto", scope.get("scheme", "https")),
            ("x-amzn-trace-id", f"Root=1-{int(started):08x}-{os.urandom(12).hex()}"),
        ):
            if name not in names:
                headers.append((name, value))
        continue_trace(dict(headers).get("x-amzn-trace-id"))
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        raw_path = raw_path.split("?", 1)[0]
        api_id, _, rest = scope["path"][len(PREFIX) :].partition("/")
        raw_rest = "/" + raw_path[len(PREFIX) + len(api_id) :].lstrip("/")
        raw_query = scope.get("query_string", b"").decode("latin-1")
        req = HttpRequest(
            api_id=api_id,
            account_id=self.ctx.settings.account_id,
            method=scope["method"],
            raw_path=raw_rest,
            signed_path=scope.get("stratus.signed_path") or raw_path,
            raw_query=raw_query,
            query=parse_qsl(raw_query, keep_blank_values=True),
            headers=headers,
            body=b"",
            source_ip=client[0],
            protocol="HTTP/" + scope.get("http_version", "1.1"),
            host=next((v for k, v in headers if k == "host"), f"{server[0]}:{server[1]}"),
            request_id=self.new_id(),
            epoch_ms=int(started * 1000),
        )
        log: dict[str, Any] = {}
        api = self.apis.get(api_id)
        stage: Stage | None = None
        try:
            try:
                req.body = await _read_body(receive, req.header("content-length"))
            except _ClientGone:
                return
            if api is None or api.protocol != "HTTP":
                raise _Reply(404, "no such HTTP API")
            selected = select_stage(api, split_path("/" + rest))
            if selected is None or not selected[0].deployed:
                raise _Reply(404, "no stage")
            stage, segments = selected
            resp = await self._serve(req, api, stage, segments, log)
        except _Reply as reply:
            log.setdefault("error.message", _MESSAGES.get(reply.status, reply.reason))
            if reply.reason:
                log.setdefault("error.reason", reply.reason)
            body = json.dumps({"message": _MESSAGES.get(reply.status, "Error")}).encode()
            resp = HttpResponse(
                reply.status, [("content-type", "application/json"), *reply.headers], body
            )
        resp.headers.append(("apigw-requestid", req.request_id))
        await _send(send, resp, req.method == "HEAD")
        if self.recent is not None and stage is not None:  # for the console
            self.recent.record_http(req, stage.name, resp.status, started, self.clock(), log)
        if api is not None and stage is not None:  # usage for `stratus cost --from-local`
            record_http(
                self.metrics, self.ctx.settings.region, api, stage, log.get("routeKey"), req, resp
            )
        if stage is not None and stage.access_log_format and self.log_sink is not None:
            values = self._context_values(req, stage, log)
            values["context.status"] = resp.status
            values["context.responseLength"] = len(resp.body)
            values["context.responseLatency"] = int((self.clock() - started) * 1000)
            line = format_line(stage.access_log_format, values)
            await emit(self.log_sink, stage.access_log_arn or "", line)

    async def _serve(
        self,
        req: HttpRequest,
        api: HttpApi,
        stage: Stage,
        segments: list[str],
        log: dict[str, Any],
    ) -> HttpResponse:
        table = self.tables[api.api_id]
        cors = self.cors.get(api.api_id)
        origin = req.header("origin")
        hmap = {k: v for k, v in req.headers}
        if cors is not None and is_preflight(req.method, hmap):
            match = table.select("OPTIONS", segments, any_ok=False)
            if match is None:
                log["routeKey"] = "-"
                headers = cors.preflight(
                    origin,
                    req.header("access-control-request-method"),
                    req.header("access-control-request-headers"),
                )
                return HttpResponse(204, headers, b"")
        else:
            match = table.select(req.method, segments)
        if match is None:
            raise _Reply(404, "no route")
        route, path_params = match.route, match.path_params
        log["routeKey"] = route.key
        self._throttle(api, stage, route)
        auth = await self._authorize(req, stage, route, path_params, hmap, log)
        resp = await self._integrate(req, stage, route, path_params, auth, segments, log)
        if cors is not None:
            resp.headers = cors.response_headers(origin, resp.headers)
        return resp

    def _throttle(self, api: HttpApi, stage: Stage, route: Route) -> None:
        limit = stage.limit_for(route.key)
        if limit.rate is None or limit.burst is None:
            return
        key = (api.api_id, stage.name, route.key)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = TokenBucket(limit.rate, limit.burst, self.clock)
        if not bucket.take():
            raise _Reply(429, "throttled")

    async def _authorize(
        self,
        req: HttpRequest,
        stage: Stage,
        route: Route,
        path_params: dict[str, str],
        hmap: Mapping[str, str],
        log: dict[str, Any],
    ) -> AuthContext | None:
        kind = route.authorization_type
        if kind == "NONE":
            return None
        if kind == "AWS_IAM":
            # Full SigV4 (service execute-api) and the caller's policies for
            # execute-api:Invoke on the route ARN, as for REST APIs' AWS_IAM methods
            # (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html).
            signed = SignedRequest(req.method, req.signed_path, req.raw_query, hmap, req.body)
            try:
                self.iam.authorize(
                    self.iam.authenticate(signed), self._route_arn(req, stage), None, req.source_ip
                )
            except IamDenied as denied:
                raise _Reply(denied.error.status, denied.reason) from denied
            return None
        authorizer = route.authorizer
        if authorizer is None:
            raise _Reply(500, "route has no authorizer")
        try:
            if kind == "JWT":
                source = authorizer.identity_sources[0] if authorizer.identity_sources else ""
                name = source.removeprefix("$request.header.").lower()
                auth = await self.jwt.authorize(authorizer, route.scopes, req.header(name))
            else:
                route_arn = self._route_arn(req, stage)
                identity = identity_values(
                    authorizer.identity_sources,
                    req.header,
                    dict(req.query),
                    {"routeKey": route.key, "stage": stage.name, "requestId": req.request_id},
                    stage.variables,
                )

                def event() -> dict[str, Any]:
                    if authorizer.payload_version == "1.0":
                        return _authorizer_event_v1(
                            req, route, stage, path_params, identity or [], route_arn
                        )
                    return authorizer_event_v2(
                        req, route, stage, path_params, identity or [], route_arn
                    )

                auth = await self.lambda_authorizers.authorize(
                    authorizer, identity, route_arn, event
                )
        except Denied as denied:
            log["authorizer.error"] = denied.reason
            raise _Reply(denied.status, denied.reason, denied.headers) from None
        log["auth"] = auth
        return auth

    def _route_arn(self, req: HttpRequest, stage: Stage) -> str:
        path = req.raw_path
        if stage.name != "$default":
            path = path[len(stage.name) + 1 :] or "/"
        settings = self.ctx.settings
        return (
            f"arn:aws:execute-api:{settings.region}:{settings.account_id}:"
            f"{req.api_id}/{stage.name}/{req.method}{path}"
        )

    async def _integrate(
        self,
        req: HttpRequest,
        stage: Stage,
        route: Route,
        path_params: dict[str, str],
        auth: AuthContext | None,
        segments: list[str],
        log: dict[str, Any],
    ) -> HttpResponse:
        integration = route.integration
        t0 = self.clock()
        try:
            if integration is None:
                raise IntegrationFailure(500, "route has no integration")
            if integration.type == "AWS_PROXY":
                build = event_v1 if integration.payload_version == "1.0" else event_v2
                event = build(req, route, stage, path_params, auth)
                resp, status = await invoke_lambda(self.ctx.lambdas, integration, event)
                log["integrationStatus"] = status
            elif integration.type == "HTTP_PROXY":
                if self._http is None:
                    self._http = httpx.AsyncClient(follow_redirects=False)
                default_path = "/" + "/".join(segments) if not route.path else None
                resp = await forward_http(self._http, integration, req, path_params, default_path)
                log["integrationStatus"] = resp.status
            else:
                raise IntegrationFailure(500, f"{integration.type} integrations are not emulated")
        except IntegrationFailure as failure:
            log["integrationErrorMessage"] = failure.reason
            raise _Reply(failure.status, failure.reason) from None
        finally:
            log["integrationLatency"] = int((self.clock() - t0) * 1000)
        log["integration.status"] = resp.status
        return resp

    def _context_values(
        self, req: HttpRequest, stage: Stage, log: Mapping[str, Any]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "context.requestId": req.request_id,
            "context.extendedRequestId": req.request_id,
            "context.apiId": req.api_id,
            "context.accountId": req.account_id,
            "context.domainName": req.host,
            "context.domainPrefix": domain_prefix(req.host, req.api_id),
            "context.httpMethod": req.method,
            "context.path": req.raw_path,
            "context.protocol": req.protocol,
            "context.requestTime": request_time(req.epoch_ms),
            "context.requestTimeEpoch": req.epoch_ms,
            "context.routeKey": log.get("routeKey"),
            "context.stage": stage.name,
            "context.identity.sourceIp": req.source_ip,
            "context.identity.userAgent": req.header("user-agent"),
            "context.error.message": log.get("error.message"),
            "context.authorizer.error": log.get("authorizer.error"),
            "context.integrationErrorMessage": log.get("integrationErrorMessage"),
            "context.integration.error": log.get("integrationErrorMessage"),
            "context.integrationLatency": log.get("integrationLatency"),
            "context.integration.latency": log.get("integrationLatency"),
            "context.integrationStatus": log.get("integrationStatus"),
            "context.integration.status": log.get("integration.status"),
        }
        auth: AuthContext | None = log.get("auth")
        if auth is not None:
            for name, value in (auth.jwt_claims or {}).items():
                values[f"context.authorizer.claims.{name}"] = value
            for name, value in (auth.lambda_context or {}).items():
                values[f"context.authorizer.{name}"] = value
            values["context.authorizer.principalId"] = auth.principal_id
        return values


def _authorizer_event_v1(
    req: HttpRequest,
    route: Route,
    stage: Stage,
    path_params: dict[str, str],
    identity: list[str],
    route_arn: str,
) -> dict[str, Any]:
    """Payload 1.0 for a Lambda authorizer: the REST REQUEST authorizer's shape."""
    event = event_v1(req, route, stage, path_params, None)
    for name in ("body", "isBase64Encoded", "version"):
        event.pop(name, None)
    joined = ",".join(identity)
    return {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": route_arn,
        "identitySource": joined,
        "authorizationToken": joined,
        **event,
    }


async def _read_body(receive: Receive, length: str | None) -> bytes:
    if length and length.isdigit() and int(length) > MAX_BODY:
        raise _Reply(413, "payload too large")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise _Reply(413, "payload too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


async def _send(send: Send, resp: HttpResponse, head: bool) -> None:
    body = b"" if resp.status in (204, 304) or head else resp.body
    raw = [
        (k.lower().encode("latin-1"), v.encode("latin-1", "replace"))
        for k, v in resp.headers
        if k.lower() not in _FRAMING
    ]
    raw.append((b"content-length", str(len(resp.body if head else body)).encode()))
    await send({"type": "http.response.start", "status": resp.status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class _Gateway(Protocol):
    ctx: LocalContext
    clock: Callable[[], float]
    log_sink: LogSink | None
    origins: dict[str, str]


def http_apis_for(gateway: _Gateway) -> HttpApiApp:
    """The HTTP API app that shares the REST gateway's port, clock, log sink and origins;
    made on the first /httpapis/ request and kept on the gateway."""
    app: HttpApiApp | None = getattr(gateway, "_http_api_app", None)
    if app is None:
        app = HttpApiApp(
            gateway.ctx,
            clock=gateway.clock,
            log_sink=gateway.log_sink,
            origins=gateway.origins,
            recent=getattr(gateway, "recent", None),
            metrics=getattr(gateway, "metrics", None),
        )
        gateway._http_api_app = app  # type: ignore[attr-defined]
    return app
