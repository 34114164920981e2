"""Sample products, so a fresh shop has something to sell at once.

`paper-clips` costs 4.13: an order of exactly one of them totals `4.13`, which the local
payment provider stub declines (a total ending in `.13`), so the failure path is one
click away. `seed()` creates the samples that do not exist yet and never overwrites.
"""

from __future__ import annotations

from decimal import Decimal

from stratus.shop.catalog.domain import Product
from stratus.shop.catalog.store import ProductStore

DECLINED_SAMPLE = "paper-clips"
SAMPLES: tuple[Product, ...] = (
    Product(
        id="coffee-mug",
        name="Coffee mug",
        description="Stoneware, 350 ml, dishwasher safe.",
        price=Decimal("12.50"),
        tags=("kitchen", "gift"),
    ),
    Product(
        id="notebook",
        name="Dotted notebook",
        description="A5, 192 pages of 100 g/m² paper.",
        price=Decimal("9.90"),
        tags=("office", "paper"),
    ),
    Product(
        id="desk-lamp",
        name="Desk lamp",
        description="LED, warm white, adjustable arm.",
        price=Decimal("34.00"),
        tags=("office", "light"),
    ),
    Product(
        id=DECLINED_SAMPLE,
        name="Paper clips (100)",
        description="Steel, 28 mm. Priced so a payment of exactly one box is declined.",
        price=Decimal("4.13"),
        tags=("office",),
    ),
)


def seed(store: ProductStore) -> list[str]:
    """The ids of the samples created now (those already present are left alone)."""
    return [product.id for product in SAMPLES if store.put(product)]
