"""AWS Lambda: requests plus GB-seconds by architecture; Lambda@Edge at its own rates.

https://aws.amazon.com/lambda/pricing/ : duration is memory (GB) x seconds, billed per 1 ms.
"""

from __future__ import annotations

from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook
from stratus.cost.services.context import PricingContext


def request_cost(requests: float, prices: PriceBook, *, free: float = 0.0) -> float:
    return max(requests - free, 0.0) / 1e6 * float(prices.rate("lambda", "request_per_million"))


def duration_cost(
    gb_seconds: float, architecture: str, prices: PriceBook, *, free: float = 0.0
) -> float:
    rate = float(prices.rate("lambda", "gb_second", architecture))
    return max(gb_seconds - free, 0.0) * rate


def gb_seconds(invocations: float, duration_ms: float, memory_mb: int) -> float:
    return invocations * duration_ms / 1000 * memory_mb / 1024


def lines(ctx: PricingContext) -> list[CostLine]:
    out: list[CostLine] = []
    free = ctx.prices.rate("lambda", "free_tier") if ctx.options.free_tier else {}
    free_requests, free_gbs = float(free.get("requests", 0)), float(free.get("gb_seconds", 0))
    for fn in ctx.inv.of_type("AWS::Lambda::Function"):
        memory = ctx.options.lambda_memory_mb or int(fn.props.get("MemorySize", 128))
        archs = fn.props.get("Architectures") or ["x86_64"]
        arch = ctx.options.lambda_architecture or str(archs[0])
        duration = ctx.work.duration_ms.get(fn.key, ctx.profile.lambda_duration_ms)
        edge = ctx.work.edge_invocations.get(fn.key, 0.0)
        if edge:
            gbs = gb_seconds(edge, duration, memory)
            req = edge / 1e6 * float(ctx.prices.rate("lambda", "edge_request_per_million"))
            out.append(ctx.line("lambda", fn, "Lambda@Edge requests", edge, "requests", req))
            dur = gbs * float(ctx.prices.rate("lambda", "edge_gb_second"))
            out.append(
                ctx.line("lambda", fn, f"Lambda@Edge duration ({memory} MB)", gbs, "GB-s", dur)
            )
        calls = ctx.work.invocations.get(fn.key, 0.0)
        if not calls:
            continue
        gbs = gb_seconds(calls, duration, memory)
        # The account-wide free tier is taken by the first functions in template order.
        take_req, take_gbs = min(free_requests, calls), min(free_gbs, gbs)
        free_requests -= take_req
        free_gbs -= take_gbs
        out.append(
            ctx.line(
                "lambda",
                fn,
                "requests",
                calls,
                "requests",
                request_cost(calls, ctx.prices, free=take_req),
            )
        )
        out.append(
            ctx.line(
                "lambda",
                fn,
                f"duration ({memory} MB {arch}, {duration:g} ms)",
                gbs,
                "GB-s",
                duration_cost(gbs, arch, ctx.prices, free=take_gbs),
            )
        )
    return out
