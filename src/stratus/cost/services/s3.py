"""Amazon S3 Standard: storage in monthly tiers, PUT-class and GET-class requests.
https://aws.amazon.com/s3/pricing/
"""

from __future__ import annotations

from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook, tiered
from stratus.cost.services.context import PricingContext


def storage_cost(gb: float, prices: PriceBook) -> float:
    return tiered(gb, prices.rate("s3", "storage_gb_month_tiers"))


def request_cost(puts: float, gets: float, prices: PriceBook) -> float:
    put = puts / 1000 * float(prices.rate("s3", "put_per_1000"))
    return put + gets / 1000 * float(prices.rate("s3", "get_per_1000"))


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    for bucket in ctx.inv.of_type("AWS::S3::Bucket"):
        gb = ctx.work.bucket_gb.get(bucket.key, 0.0)
        puts = ctx.work.bucket_puts.get(bucket.key, 0.0)
        gets = ctx.work.bucket_gets.get(bucket.key, 0.0)
        if gb:
            out.append(
                ctx.line(
                    "s3", bucket, "storage (Standard)", gb, "GB-month", storage_cost(gb, ctx.prices)
                )
            )
        if puts:
            out.append(
                ctx.line(
                    "s3",
                    bucket,
                    "PUT requests",
                    puts,
                    "requests",
                    request_cost(puts, 0, ctx.prices),
                )
            )
        if gets:
            out.append(
                ctx.line(
                    "s3",
                    bucket,
                    "GET requests",
                    gets,
                    "requests",
                    request_cost(0, gets, ctx.prices),
                )
            )
    return out
