"""Dated unit prices per Region, read from `prices/<region>.json`.

Prices are data, not code: each service's block names the AWS pricing page it was read from,
and the file carries the date (`as_of`), so a test can refuse prices older than a year.
Tiered prices are lists of `[quantity in the tier, USD per unit]`, `null` meaning "the rest".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

PRICES_PACKAGE = "stratus.cost.prices"


class PriceError(ValueError):
    """A Region without a price file, or a price the file does not have."""


@dataclass(frozen=True)
class PriceBook:
    region: str
    as_of: date
    hours_per_month: float
    services: Mapping[str, Mapping[str, Any]]

    @property
    def days_per_month(self) -> float:
        return self.hours_per_month / 24

    def service(self, name: str) -> Mapping[str, Any]:
        try:
            return self.services[name]
        except KeyError:
            raise PriceError(f"no {name} prices for {self.region}") from None

    def rate(self, service: str, *keys: str) -> Any:
        """A price (or table of prices) by its path in the service's block."""
        value: Any = self.service(service)
        for key in keys:
            if not isinstance(value, Mapping) or key not in value:
                path = ".".join((service, *keys))
                raise PriceError(f"no price {path} for {self.region}")
            value = value[key]
        return value

    def source(self, service: str) -> str:
        return str(self.service(service).get("source", ""))


def available_regions() -> list[str]:
    folder = resources.files(PRICES_PACKAGE)
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def load_prices(region: str = "us-east-1") -> PriceBook:
    regions = available_regions()
    if region not in regions:
        raise PriceError(
            f"no price file for Region {region!r}; priced Regions: {', '.join(regions)}"
        )
    data = json.loads((resources.files(PRICES_PACKAGE) / f"{region}.json").read_text())
    return PriceBook(
        region=region,
        as_of=date.fromisoformat(data["as_of"]),
        hours_per_month=float(data.get("hours_per_month", 730)),
        services=data["services"],
    )


def tiered(quantity: float, tiers: Sequence[Sequence[Any]], *, per: float = 1.0) -> float:
    """Price `quantity` through consecutive tiers `[[size, rate], ..., [None, rate]]`, where
    `rate` is per `per` units (1e6 for "per million")."""
    remaining = max(quantity, 0.0)
    total = 0.0
    for size, rate in tiers:
        take = remaining if size is None else min(remaining, float(size))
        total += take / per * float(rate)
        remaining -= take
        if remaining <= 0:
            break
    return total
