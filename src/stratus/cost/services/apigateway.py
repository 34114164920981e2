"""Amazon API Gateway: requests in monthly tiers (REST and HTTP), plus the REST cache by the
hour. https://aws.amazon.com/api-gateway/pricing/ ; responses leave AWS as data transfer out.
HTTP API requests are metered in 512 KB increments, so a larger one bills as several
(`Workload.api_metered`, derived in the workload).
"""

from __future__ import annotations

from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook, tiered
from stratus.cost.services.context import PricingContext
from stratus.cost.workload import api_cache_size


def request_cost(requests: float, kind: str, prices: PriceBook, *, free: float = 0.0) -> float:
    tiers = prices.rate("apigateway", f"{kind}_per_million_tiers")
    return tiered(max(requests - free, 0.0), tiers, per=1e6)


def cache_cost(size_gb: str, hours: float, prices: PriceBook) -> float:
    table = prices.rate("apigateway", "cache_per_hour")
    if size_gb not in table:
        raise ValueError(f"API Gateway has no {size_gb} GB cache; sizes: {', '.join(table)}")
    return float(table[size_gb]) * hours


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    free = (
        float(ctx.prices.rate("apigateway", "free_tier", "requests"))
        if ctx.options.free_tier
        else 0.0
    )
    for api in ctx.inv.of_type("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
        kind = "rest" if api.type == "AWS::ApiGateway::RestApi" else "http"
        requests = ctx.work.api_requests.get(api.key, 0.0)
        metered = ctx.work.api_metered.get(api.key, requests)
        take = min(free, metered)
        free -= take
        out.append(
            ctx.line(
                "apigateway",
                api,
                f"{kind.upper()} API requests"
                + (" (metered per 512 KB)" if metered > requests else ""),
                metered,
                "requests",
                request_cost(metered, kind, ctx.prices, free=take),
            )
        )
        size = api_cache_size(ctx.inv, api, ctx.options)
        if size is not None and kind == "rest":
            out.append(
                ctx.line(
                    "apigateway",
                    api,
                    f"cache {size} GB",
                    ctx.hours,
                    "hours",
                    cache_cost(size, ctx.hours, ctx.prices),
                )
            )
        gb = ctx.work.api_bytes.get(api.key, 0.0) / 1e9
        front = ctx.work.api_fronted_by.get(api.key)
        if front is not None:
            # Behind a distribution: the API's responses go to CloudFront (free from an AWS
            # origin) and leave through it as CloudFront requests and bytes.
            ctx.work.cdn_requests[front] = ctx.work.cdn_requests.get(front, 0.0) + requests
            ctx.work.cdn_bytes[front] = ctx.work.cdn_bytes.get(front, 0.0) + gb * 1e9
        elif gb:
            ctx.work.internet_out_gb[api.key] += gb
    return out
