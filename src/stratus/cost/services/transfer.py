"""Data transfer out to the internet from S3, API Gateway, load balancers and EC2.

The tiers are account-wide (https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer),
so the stage's total is priced through them and each resource carries its share.
"""

from __future__ import annotations

from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook, tiered
from stratus.cost.services.context import PricingContext


def internet_out_cost(gb: float, prices: PriceBook, *, free_gb: float = 0.0) -> float:
    return tiered(max(gb - free_gb, 0.0), prices.rate("data_transfer", "internet_out_gb_tiers"))


def lines(ctx: PricingContext) -> list[CostLine]:
    usage = {key: gb for key, gb in ctx.work.internet_out_gb.items() if gb > 0}
    total = sum(usage.values())
    if not total:
        return []
    free = (
        float(ctx.prices.rate("data_transfer", "free_gb_per_month"))
        if ctx.options.free_tier
        else 0.0
    )
    usd = internet_out_cost(total, ctx.prices, free_gb=free)
    out = []
    for key, gb in sorted(usage.items()):
        res = ctx.inv.by_key.get(key)
        out.append(
            ctx.line(
                "data_transfer",
                res,
                "data transfer out to the internet",
                gb,
                "GB",
                usd * gb / total,
            )
        )
    return out
