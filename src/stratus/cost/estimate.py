"""`estimate(templates, profile, prices, options)`: a stage's monthly bill, line by line.

Each month of the profile (`months`, with `growth_per_month` compounding) is a workload
priced by every service module; the first month is the headline figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from stratus.cost.inventory import Inventory
from stratus.cost.model import CostLine, Estimate, MonthCost
from stratus.cost.pricebook import PriceBook
from stratus.cost.profile import CostOptions, TrafficProfile
from stratus.cost.services import (
    apigateway,
    cloudfront,
    compute,
    dynamodb,
    identity,
    lambda_,
    messaging,
    observability,
    s3,
    security,
    transfer,
)
from stratus.cost.services.context import PricingContext
from stratus.cost.templates import StackTemplate
from stratus.cost.workload import build

Pricer = Callable[[PricingContext], list[CostLine]]
# Order matters where one service hands usage to another (API responses -> data transfer).
PRICERS: tuple[Pricer, ...] = (
    lambda_.lines,
    apigateway.lines,
    dynamodb.lines,
    s3.lines,
    cloudfront.lines,
    identity.lines,
    messaging.lines,
    observability.lines,
    compute.lines,
    security.lines,
    transfer.lines,  # last: every service above adds its bytes to the internet
)


def _month(
    inv: Inventory, profile: TrafficProfile, prices: PriceBook, options: CostOptions, month: int
) -> tuple[list[CostLine], list[str]]:
    factor = (1 + profile.growth_per_month) ** month
    work = build(inv, profile, options, prices.days_per_month, factor)
    ctx = PricingContext(inv, work, prices, options, profile)
    lines: list[CostLine] = []
    for pricer in PRICERS:
        lines.extend(pricer(ctx))
    return [line for line in lines if line.usd or line.quantity], work.assumptions


def _totals(lines: Sequence[CostLine]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for line in lines:
        totals[line.service] = totals.get(line.service, 0.0) + line.usd
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))


def estimate(
    templates: Sequence[StackTemplate],
    profile: TrafficProfile,
    prices: PriceBook,
    options: CostOptions | None = None,
    *,
    stage: str = "",
) -> Estimate:
    """Price `templates` (one stage's stacks) for `profile`; `options` default to the profile's."""
    options = options or profile.options
    inv = Inventory.of(templates)
    first, assumptions = _month(inv, profile, prices, options, 0)
    months = [MonthCost(month=1, usd=sum(line.usd for line in first), services=_totals(first))]
    for month in range(1, profile.months):
        lines, _ = _month(inv, profile, prices, options, month)
        months.append(
            MonthCost(month=month + 1, usd=sum(line.usd for line in lines), services=_totals(lines))
        )
    services = _totals(first)
    notes = _general_assumptions(profile, prices, options) + assumptions
    if options.dax and not inv.of_type("AWS::DAX::Cluster"):
        notes.append(
            "DAX was asked for but the templates declare no cluster, so none is priced: "
            "`stratus cost --dax on` synthesizes the stage with its DAX cluster."
        )
    return Estimate(
        stage=stage,
        region=prices.region,
        profile=profile.name,
        prices_as_of=prices.as_of.isoformat(),
        monthly_usd=months[0].usd,
        services=services,
        lines=first,
        assumptions=notes,
        months=months if profile.months > 1 else [],
        sources={name: prices.source(name) for name in services if name in prices.services},
    )


def _general_assumptions(
    profile: TrafficProfile, prices: PriceBook, options: CostOptions
) -> list[str]:
    notes = [
        f"Prices: {prices.region} on-demand list prices read {prices.as_of.isoformat()}; "
        f"a month is {prices.hours_per_month:g} hours ({prices.days_per_month:.2f} days); "
        "taxes, support and savings plans are left out.",
        f"Profile {profile.name!r}: {profile.description or 'as given'}.",
    ]
    if options.free_tier:
        notes.append("AWS free tiers are applied (the first 12 months of a new account for some).")
    else:
        notes.append("AWS free tiers are not applied: this is the bill once they run out.")
    if options.ses_plan == "essentials":
        notes.append("SES e-mail is priced on the Essentials plan's tiers (per month).")
    if profile.growth_per_month:
        notes.append(
            f"Traffic and users grow {profile.growth_per_month:.0%} a month over "
            f"{profile.months} months; the headline is month 1."
        )
    return notes
