"""What an estimate is: priced lines per resource, totals per service, and its assumptions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class CostLine(BaseModel):
    """One priced quantity of one resource for one month."""

    service: str  # the price file's service key: lambda, apigateway, dynamodb ...
    stack: str
    resource: str  # logical id (or a stage-wide name such as "data transfer out")
    item: str  # what is billed: "requests", "duration", "node hours" ...
    quantity: float
    unit: str
    usd: float

    def describe(self) -> str:
        return f"{self.item}: {self.quantity:,.6g} {self.unit}"


class MonthCost(BaseModel):
    month: int  # 1-based
    usd: float
    services: dict[str, float]


class Estimate(BaseModel):
    stage: str
    region: str
    profile: str
    prices_as_of: str
    monthly_usd: float  # the first month (the profile as given)
    services: dict[str, float]  # service -> USD in the first month
    lines: list[CostLine]
    assumptions: list[str]
    months: list[MonthCost] = Field(default_factory=list)  # with growth: month by month
    sources: dict[str, str] = Field(default_factory=dict)  # service -> pricing page

    def resources(self) -> dict[str, float]:
        """USD per `stack/resource` in the first month."""
        totals: dict[str, float] = {}
        for line in self.lines:
            key = f"{line.stack}/{line.resource}"
            totals[key] = totals.get(key, 0.0) + line.usd
        return totals

    def to_json(self) -> dict[str, Any]:
        """The `stratus cost --json` document: the interface keys first, details beside."""
        return {
            "stage": self.stage,
            "monthly_usd": round(self.monthly_usd, 2),
            "services": {k: round(v, 2) for k, v in self.services.items()},
            "assumptions": list(self.assumptions),
            "region": self.region,
            "profile": self.profile,
            "prices_as_of": self.prices_as_of,
            "resources": {k: round(v, 4) for k, v in sorted(self.resources().items())},
            "lines": [line.model_dump() for line in self.lines],
            "months": [m.model_dump() for m in self.months],
            "sources": dict(self.sources),
        }
