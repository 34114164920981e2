"""The cost model: price a stage's synthesized templates for a traffic profile, per month.

`estimate(templates, profile, prices, options)` reads the resources the CDK app declares
(the one source of truth), derives each one's monthly usage from the profile and prices it
from the dated price files in `prices/`. `stratus cost` is its command line.
"""

from stratus.cost.estimate import estimate
from stratus.cost.model import CostLine, Estimate
from stratus.cost.pricebook import PriceBook, load_prices
from stratus.cost.profile import (
    CostOptions,
    ProfileError,
    TrafficProfile,
    default_profile,
    load_profile,
)
from stratus.cost.templates import StackTemplate

__all__ = [
    "CostLine",
    "CostOptions",
    "Estimate",
    "PriceBook",
    "ProfileError",
    "StackTemplate",
    "TrafficProfile",
    "default_profile",
    "estimate",
    "load_prices",
    "load_profile",
]
