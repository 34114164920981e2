"""The distributions page: every CloudFront distribution the local edge serves, its
origins and behaviours, recent requests with their X-Cache result, the cache hit ratio,
recent invalidations, and a form that invalidates paths.

Read from the running edge (its parsed distributions, cache and recent-request log,
cloudfront.recent) and the deployment (the price class). Invalidations go through
CreateInvalidation on the local AWS endpoint, as the CLI's do, so the same path checks and
the same cache-emptying hook apply; the page then shows how many cached objects matched
the paths before and after.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stratus.local.cloudfront.config import Distribution
from stratus.local.console.app import console_of, require_action
from stratus.local.console.context import ConsoleContext
from stratus.local.console.layout import ConsoleError, render
from stratus.local.console.pages import Page
from stratus.local.console.pages._hits import hit_chart
from stratus.local.console.pages._invalidation import check_paths
from stratus.local.console.pages.apis import function_name

DIST_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
RECENT_SHOWN = 100
INVALIDATIONS_SHOWN = 5
PATHS_SHOWN = 10  # per invalidation


@dataclass
class DistView:
    id: str
    logical: str
    names: list[str]
    urls: list[str]
    price_class: str
    enabled: bool
    root_object: str
    origins: list[dict[str, str]] = field(default_factory=list)
    behaviors: list[dict[str, Any]] = field(default_factory=list)


def _edge(console: ConsoleContext) -> Any | None:
    from stratus.local.cloudfront.service import CloudFrontService

    try:
        return console.service(CloudFrontService).edge
    except LookupError:
        return None


def _config(console: ConsoleContext, dist_id: str) -> dict[str, Any]:
    deployment = console.deployment
    res = (
        deployment.by_physical_id("AWS::CloudFront::Distribution", dist_id)
        if deployment is not None
        else None
    )
    return dict(res.properties.get("DistributionConfig") or {}) if res is not None else {}


def _view(console: ConsoleContext, dist: Distribution) -> DistView:
    settings = console.settings
    port = settings.ports.edge
    config = _config(console, dist.id)
    view = DistView(
        id=dist.id,
        logical=dist.logical,
        names=list(dist.names()),
        urls=[
            f"https://{dist.domain}:{port}/",
            f"https://{settings.host}:{port}/_stratus/distributions/{dist.id}/",
        ],
        # Without PriceClass a distribution is served from all edge locations, PriceClass_All
        # (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudfront-distribution-distributionconfig.html).
        price_class=str(config.get("PriceClass") or "PriceClass_All"),
        enabled=dist.enabled,
        root_object=dist.root_object,
    )
    for origin in dist.origins.values():
        detail = origin.bucket or origin.api_id or ""
        view.origins.append(
            {
                "id": origin.id,
                "kind": origin.kind,
                "domain": origin.domain,
                "path": origin.path or "-",
                "detail": detail,
                "access": "OAC" if origin.oac else ("OAI" if origin.oai else "-"),
            }
        )
    for behavior in (*dist.behaviors, dist.default):
        policy = behavior.cache_policy
        view.behaviors.append(
            {
                "pattern": behavior.pattern if behavior is not dist.default else "Default (*)",
                "origin": behavior.origin_id,
                "policy": policy.name or "legacy (ForwardedValues)",
                "ttls": f"{policy.min_ttl} / {policy.default_ttl} / {policy.max_ttl}",
                "methods": ", ".join(sorted(behavior.allowed_methods)),
                "functions": [
                    (fn.event_type, function_name(fn.arn) or fn.arn, fn.arn.rsplit(":", 1)[-1])
                    for fn in behavior.lambdas.values()
                ],
                "skipped": len(behavior.functions),
            }
        )
    return view


def all_distributions(console: ConsoleContext) -> list[DistView]:
    edge = _edge(console)
    if edge is None:
        return []
    views = [_view(console, dist) for dist in edge.distributions.values()]
    return sorted(views, key=lambda v: (v.logical, v.id))


async def list_distributions(request: Request) -> Response:
    found = all_distributions(console_of(request))
    return render(
        request,
        "distributions/list.html",
        title="Distributions",
        active="distributions",
        distributions=found,
    )


def _invalidations(console: ConsoleContext, dist_id: str) -> list[dict[str, Any]]:
    """The newest invalidations with their paths (ListInvalidations + GetInvalidation)."""
    client = console.aws("cloudfront")
    listed = client.list_invalidations(DistributionId=dist_id, MaxItems="100")
    items = (listed.get("InvalidationList") or {}).get("Items") or []
    items = sorted(items, key=lambda i: i.get("CreateTime") or 0, reverse=True)
    out = []
    for item in items[:INVALIDATIONS_SHOWN]:
        got = client.get_invalidation(DistributionId=dist_id, Id=item["Id"])["Invalidation"]
        paths = ((got.get("InvalidationBatch") or {}).get("Paths") or {}).get("Items") or []
        created = got.get("CreateTime")
        out.append(
            {
                "id": got["Id"],
                "status": got.get("Status", ""),
                "created": created.strftime("%Y-%m-%d %H:%M:%S") if created else "-",
                "paths": list(paths)[:PATHS_SHOWN],
                "more": max(len(paths) - PATHS_SHOWN, 0),
            }
        )
    return out


def _found(request: Request) -> tuple[ConsoleContext, Any, DistView]:
    dist_id = request.path_params["dist_id"]
    if not DIST_ID.match(dist_id):
        raise ConsoleError(404, "No such distribution.")
    console = console_of(request)
    edge = _edge(console)
    dist = edge.distributions.get(dist_id) if edge is not None else None
    if dist is None:
        raise ConsoleError(404, f"No distribution {dist_id} is served by the local edge.")
    return console, edge, _view(console, dist)


async def _detail(request: Request, status: int = 200, **extra: Any) -> Response:
    console, edge, view = _found(request)
    try:
        invalidations = await run_in_threadpool(_invalidations, console, view.id)
        listing_error = None
    except (ClientError, BotoCoreError) as exc:
        invalidations, listing_error = [], str(exc)
    values: dict[str, Any] = {
        "dist": view,
        "recent": edge.recent.requests(view.id, RECENT_SHOWN),
        "chart": hit_chart(edge.recent.cache_series(view.id, edge.clock())),
        "stats": edge.describe_stats(),
        "invalidations": invalidations,
        "listing_error": listing_error,
        "clock": _clock,
        "errors": [],
        "result": None,
        "paths_text": "",
    }
    values.update(extra)
    return render(
        request,
        "distributions/detail.html",
        status=status,
        title=f"Distribution {view.id}",
        active="distributions",
        **values,
    )


async def show_distribution(request: Request) -> Response:
    return await _detail(request)


async def invalidate(request: Request) -> Response:
    """The form's paths checked as CloudFront checks them, then CreateInvalidation."""
    await require_action(request)
    console, edge, view = _found(request)
    form = await request.form()
    raw = form.get("paths")
    text = raw if isinstance(raw, str) else ""
    check = check_paths(text)
    if check.errors:
        return await _detail(request, 400, errors=check.errors, paths_text=text[:4096])
    before = edge.cache.matching(view.id, check.paths)
    client = console.aws("cloudfront")
    batch = {
        "Paths": {"Quantity": len(check.paths), "Items": check.paths},
        "CallerReference": f"console-{uuid.uuid4()}",
    }
    try:
        answer = await run_in_threadpool(
            client.create_invalidation, DistributionId=view.id, InvalidationBatch=batch
        )
    except (ClientError, BotoCoreError) as exc:
        return await _detail(request, 400, errors=[str(exc)], paths_text=text[:4096])
    invalidation = answer.get("Invalidation") or {}
    result = {
        "id": invalidation.get("Id", ""),
        "status": invalidation.get("Status", ""),
        "paths": check.paths,
        "before": before,
        "after": edge.cache.matching(view.id, check.paths),
    }
    return await _detail(request, result=result)


def _clock(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def routes(console: ConsoleContext) -> list[BaseRoute]:
    return [
        Route("/distributions", list_distributions, methods=["GET", "HEAD"]),
        Route("/distributions/{dist_id}", show_distribution, methods=["GET", "HEAD"]),
        Route("/distributions/{dist_id}/invalidations", invalidate, methods=["POST"]),
    ]


PAGE = Page("distributions", "Distributions", 35, routes)
