"""What every service's pricing reads: the inventory, the month's workload, prices, options."""

from __future__ import annotations

from dataclasses import dataclass

from stratus.cost.inventory import Inventory, Res
from stratus.cost.model import CostLine
from stratus.cost.pricebook import PriceBook
from stratus.cost.profile import CostOptions, TrafficProfile
from stratus.cost.workload import Workload


@dataclass
class PricingContext:
    inv: Inventory
    work: Workload
    prices: PriceBook
    options: CostOptions
    profile: TrafficProfile

    @property
    def hours(self) -> float:
        return self.prices.hours_per_month

    def line(
        self,
        service: str,
        res: Res | None,
        item: str,
        quantity: float,
        unit: str,
        usd: float,
        *,
        stack: str = "-",
    ) -> CostLine:
        return CostLine(
            service=service,
            stack=res.stack if res is not None else stack,
            resource=res.logical_id if res is not None else "-",
            item=item,
            quantity=quantity,
            unit=unit,
            usd=usd,
        )
