"""Amazon CloudFront: data out and HTTPS requests per geography of the serving edge, Origin
Shield requests, invalidation paths beyond the free 1,000.
https://aws.amazon.com/cloudfront/pricing/ ; viewers outside the price class's geographies
are served by an edge inside it (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PriceClass.html),
priced here at the united_states rate.
"""

from __future__ import annotations

from collections.abc import Mapping

from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook, tiered
from stratus.cost.services.context import PricingContext

DEFAULT_PRICE_CLASS = "PriceClass_All"  # CloudFormation's default for DistributionConfig
FALLBACK_GEOGRAPHY = "united_states"


def served_mix(
    viewer_mix: Mapping[str, float], price_class: str, prices: PriceBook
) -> dict[str, float]:
    """Share of traffic billed at each geography's rate under `price_class`."""
    served = set(prices.rate("cloudfront", "price_classes", price_class))
    total = sum(viewer_mix.values()) or 1.0
    mix: dict[str, float] = {}
    for geo, share in viewer_mix.items():
        where = geo if geo in served else FALLBACK_GEOGRAPHY
        mix[where] = mix.get(where, 0.0) + share / total
    return mix


def data_out_cost(gb: float, mix: Mapping[str, float], prices: PriceBook) -> float:
    """Each geography's share priced through its own tiers (tiers count per geography)."""
    tiers = prices.rate("cloudfront", "data_out_gb_tiers")
    return sum(tiered(gb * share, tiers[geo]) for geo, share in mix.items())


def request_cost(requests: float, mix: Mapping[str, float], prices: PriceBook) -> float:
    rates = prices.rate("cloudfront", "https_requests_per_10k")
    return sum(requests * share / 10_000 * float(rates[geo]) for geo, share in mix.items())


def invalidation_cost(paths: float, prices: PriceBook) -> float:
    free = float(prices.rate("cloudfront", "free_invalidation_paths"))
    return max(paths - free, 0.0) * float(prices.rate("cloudfront", "invalidation_path"))


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    free = ctx.prices.rate("cloudfront", "free_tier") if ctx.options.free_tier else {}
    free_gb, free_requests = float(free.get("data_out_gb", 0)), float(free.get("requests", 0))
    for dist in ctx.inv.of_type("AWS::CloudFront::Distribution"):
        requests = ctx.work.cdn_requests.get(dist.key, 0.0)
        gb = ctx.work.cdn_bytes.get(dist.key, 0.0) / 1e9
        if not (requests or gb):
            continue
        config = dist.props.get("DistributionConfig", {})
        price_class = ctx.options.cloudfront_price_class or str(
            config.get("PriceClass") or DEFAULT_PRICE_CLASS
        )
        mix = served_mix(ctx.profile.viewer_mix, price_class, ctx.prices)
        take_gb, take_req = min(free_gb, gb), min(free_requests, requests)
        free_gb -= take_gb
        free_requests -= take_req
        out.append(
            ctx.line(
                "cloudfront",
                dist,
                f"data out ({price_class})",
                gb,
                "GB",
                data_out_cost(gb - take_gb, mix, ctx.prices),
            )
        )
        out.append(
            ctx.line(
                "cloudfront",
                dist,
                "HTTPS requests",
                requests,
                "requests",
                request_cost(requests - take_req, mix, ctx.prices),
            )
        )
        paths = ctx.profile.invalidation_paths_per_month
        if paths:
            usd = invalidation_cost(paths, ctx.prices)
            out.append(ctx.line("cloudfront", dist, "invalidation paths", paths, "paths", usd))
        shielded = any(
            isinstance(o, dict) and o.get("OriginShield", {}).get("Enabled")
            for o in config.get("Origins", [])
        )
        if shielded:
            misses = requests * (1 - ctx.work.cdn_hits.get(dist.key, 0.0))
            rate = float(ctx.prices.rate("cloudfront", "origin_shield_per_10k"))
            out.append(
                ctx.line(
                    "cloudfront",
                    dist,
                    "Origin Shield requests",
                    misses,
                    "requests",
                    misses / 10_000 * rate,
                )
            )
    return out
