"""The APIs page: every REST API and HTTP API the local gateway serves, their routes, stage
settings, recent requests and cache hit ratio.

Read from the running gateway (its compiled route tables, the live stages UpdateStage may
have changed, its stage caches and its recent-request log, gateway.recent) and, for HTTP
APIs, compiled from the deployment as the gateway compiles them: the one source of truth.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.console.app import console_of
from stratus.local.console.context import ConsoleContext
from stratus.local.console.layout import ConsoleError, render
from stratus.local.console.pages import Page
from stratus.local.console.pages._hits import hit_chart
from stratus.local.core.settings import http_api_url, rest_api_url
from stratus.local.gateway.config import Method, Node, RestApi, compile_apis
from stratus.local.gateway.http_api.config import HttpApi, compile_http_apis
from stratus.local.gateway.recent import ApiRequest

API_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
MAX_SHOWN = 200  # recent requests shown at most (the gateway keeps as many per API)
DEFAULT_SHOWN = 50


@dataclass
class StageView:
    name: str
    url: str
    deployment_id: str | None = None
    cache: str = "off"  # "on, 0.5 GB, 3 entries"
    throttling: str = "none"
    canary: str = "none"
    variables: dict[str, str] = field(default_factory=dict)
    methods: list[dict[str, str]] = field(default_factory=list)  # per-method settings


@dataclass
class RouteView:
    method: str
    path: str
    kind: str  # the integration type
    function: str | None  # a Lambda integration's function name
    target: str  # otherwise the URI (or "-")
    authorization: str  # "COGNITO_USER_POOLS (Authz)", "NONE"...


@dataclass
class ApiView:
    api_id: str
    name: str
    kind: str  # "REST" | "HTTP"
    region: str
    stages: list[StageView]
    routes: list[RouteView]


def function_name(arn: str | None) -> str | None:
    """`arn:aws:lambda:r:a:function:NAME[:qualifier]` -> NAME (a plain name stays)."""
    if not arn:
        return None
    parts = arn.split(":")
    if len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    return arn if ":" not in arn else None


def _gateway(console: ConsoleContext) -> Any | None:
    from stratus.local.gateway.service import GatewayService

    try:
        return console.service(GatewayService).app
    except LookupError:
        return None


def _methods(node: Node) -> Iterator[Method]:
    yield from (node.methods[m] for m in sorted(node.methods))
    children = list(node.literal.values())
    children += [pair[1] for pair in (node.param, node.greedy) if pair is not None]
    for child in sorted(children, key=lambda n: n.path):
        yield from _methods(child)


def _stack_region(console: ConsoleContext, type_name: str, api_id: str) -> str:
    deployment = console.deployment
    res = deployment.by_physical_id(type_name, api_id) if deployment is not None else None
    if res is None or deployment is None:
        return console.settings.region
    return deployment.stacks[res.stack].region


def _stage_props(console: ConsoleContext, api_id: str, stage: str) -> dict[str, Any]:
    """The template's properties of a REST stage (a Stage, or a Deployment's inline one)."""
    deployment = console.deployment
    if deployment is None:
        return {}
    for res in deployment.resources("AWS::ApiGateway::Stage"):
        props = res.properties
        if props.get("RestApiId") == api_id and props.get("StageName") == stage:
            return props
    for res in deployment.resources("AWS::ApiGateway::Deployment"):
        props = res.properties
        if props.get("RestApiId") == api_id and props.get("StageName") == stage:
            return dict(props.get("StageDescription") or {})
    return {}


def _rest_view(console: ConsoleContext, api: RestApi, gateway: Any | None) -> ApiView:
    routes = []
    for method in _methods(api.root):
        authorizer = method.authorizer
        auth = method.authorization_type
        if authorizer is not None:
            kind = "" if authorizer.type == auth else f", {authorizer.type}"
            auth += f" ({authorizer.name or authorizer.authorizer_id}{kind})"
        fn = function_name(method.spec.function_arn)
        routes.append(
            RouteView(
                method=method.http_method,
                path=method.resource_path,
                kind=method.spec.type,
                function=fn,
                target="-" if fn is not None else (method.spec.uri or "-"),
                authorization=auth,
            )
        )
    stages = []
    for stage in api.stages.values():
        props = _stage_props(console, api.api_id, stage.name)
        view = StageView(
            name=stage.name,
            url=rest_api_url(console.settings, api.api_id, stage.name),
            deployment_id=stage.deployment_id,
            variables=dict(stage.variables),
        )
        live = gateway.releases.live_stage(api.api_id, stage) if gateway is not None else None
        if live is not None:
            view.deployment_id = live.deployment_id
            view.variables = dict(live.variables)
        canary = live.canary if live is not None else stage.canary
        if canary is not None:
            view.canary = (
                f"{canary.percent_traffic:g}% to deployment {canary.deployment_id or '-'}"
                + (", uses the stage cache" if canary.use_stage_cache else "")
            )
        if stage.cache_cluster:
            size = props.get("CacheClusterSize") or "0.5"
            entries = gateway.caches.entries(api.api_id, stage.name) if gateway else 0
            view.cache = f"on, {size} GB, {entries} entries"
        default = stage.settings.get(("/*", "*"))
        if default is not None and default.rate is not None:
            view.throttling = f"{default.rate:g} requests/s, burst {default.burst}"
        for (path, verb), setting in sorted(stage.settings.items()):
            view.methods.append(
                {
                    "path": path,
                    "method": verb,
                    "rate": "-" if setting.rate is None else f"{setting.rate:g}",
                    "burst": "-" if setting.burst is None else str(setting.burst),
                    "caching": f"on, TTL {setting.ttl} s" if setting.caching else "off",
                }
            )
        stages.append(view)
    region = _stack_region(console, "AWS::ApiGateway::RestApi", api.api_id)
    return ApiView(api.api_id, api.name, "REST", region, stages, routes)


def _http_view(console: ConsoleContext, api: HttpApi) -> ApiView:
    routes = []
    for route in sorted(api.routes, key=lambda r: (r.path, r.method)):
        integration = route.integration
        fn = None
        if integration is not None and integration.type == "AWS_PROXY":
            fn = function_name(integration.uri)
        auth = route.authorization_type
        if route.authorizer is not None:
            auth += f" ({route.authorizer.authorizer_id}, {route.authorizer.type})"
        routes.append(
            RouteView(
                method=route.method or "ANY",
                path=route.path or route.key,
                kind=integration.type if integration is not None else "none",
                function=fn,
                target="-" if fn is not None or integration is None else integration.uri,
                authorization=auth,
            )
        )
    stages = []
    for stage in api.stages.values():
        view = StageView(
            name=stage.name,
            url=http_api_url(console.settings, api.api_id, stage.name),
            variables=dict(stage.variables),
            cache="none (HTTP APIs have no cache)",
        )
        limit = stage.default_limit
        if limit.rate is not None:
            view.throttling = f"{limit.rate:g} requests/s, burst {limit.burst}"
        for key, own in sorted(stage.route_limits.items()):
            view.methods.append(
                {
                    "path": key,
                    "method": "",
                    "rate": "-" if own.rate is None else f"{own.rate:g}",
                    "burst": "-" if own.burst is None else str(own.burst),
                    "caching": "-",
                }
            )
        if not stage.deployed:
            view.deployment_id = "not deployed (no AutoDeploy, no deployment)"
        elif stage.auto_deploy:
            view.deployment_id = "auto-deployed"
        stages.append(view)
    region = _stack_region(console, "AWS::ApiGatewayV2::Api", api.api_id)
    return ApiView(api.api_id, api.name, "HTTP", region, stages, routes)


def all_apis(console: ConsoleContext) -> list[ApiView]:
    """Every API the gateway serves, REST first, by name."""
    deployment = console.deployment
    if deployment is None:
        return []
    gateway = _gateway(console)
    rest = gateway.apis if gateway is not None else compile_apis(deployment)
    views = [_rest_view(console, api, gateway) for api in rest.values()]
    for api in compile_http_apis(deployment).values():
        if api.protocol == "HTTP":
            views.append(_http_view(console, api))
    return sorted(views, key=lambda v: (v.kind != "REST", v.name.lower(), v.api_id))


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", str(DEFAULT_SHOWN))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SHOWN:
        raise ConsoleError(400, f"limit must be a number from 1 to {MAX_SHOWN}.")
    return int(raw)


async def list_apis(request: Request) -> Response:
    apis = all_apis(console_of(request))
    return render(request, "apis/list.html", title="APIs", active="apis", apis=apis)


async def show_api(request: Request) -> Response:
    api_id = request.path_params["api_id"]
    if not API_ID.match(api_id):
        raise ConsoleError(404, "No such API.")
    limit = _limit(request)
    console = console_of(request)
    found = next((a for a in all_apis(console) if a.api_id == api_id), None)
    if found is None:
        raise ConsoleError(404, f"No API {api_id} is served by the local gateway.")
    gateway = _gateway(console)
    recent: list[ApiRequest] = []
    chart = None
    if gateway is not None:
        recent = gateway.recent.requests(api_id, limit)
        chart = hit_chart(gateway.recent.cache_series(api_id, gateway.clock()))
    return render(
        request,
        "apis/detail.html",
        title=f"API {found.name}",
        active="apis",
        api=found,
        recent=recent,
        chart=chart,
        limit=limit,
        clock=_clock,
    )


def _clock(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def routes(console: ConsoleContext) -> list[BaseRoute]:
    return [
        Route("/apis", list_apis, methods=["GET", "HEAD"]),
        Route("/apis/{api_id}", show_api, methods=["GET", "HEAD"]),
    ]


PAGE = Page("apis", "APIs", 30, routes)
