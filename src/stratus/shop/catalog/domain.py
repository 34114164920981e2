"""Products and their public shapes, per API version.

Prices are `Decimal`s in major units, written as decimal strings with two places
(`"12.50"`): a float would lose cents, and JSON numbers are floats to most clients.
v1 shows what v1 always showed (`id`, `name`, `description`, `price`); v2 adds `currency`
and `tags` (and pagination, see the store) without changing any v1 field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stratus.runtime.errors import ValidationError

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
_ID_RE = re.compile(ID_PATTERN)
CENT = Decimal("0.01")
MAX_PRICE_IDS = 100  # one BatchGetItem reads at most 100 keys
DEFAULT_CURRENCY = "USD"


def money(value: Decimal | str | int) -> str:
    """`Decimal("4.1")` -> `"4.10"`: major units, two places."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(f"not a price: {value!r}", field="price") from exc
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


class Product(BaseModel):
    """A product as stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    price: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    currency: str = Field(default=DEFAULT_CURRENCY, pattern=r"^[A-Z]{3}$")
    tags: tuple[str, ...] = ()

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({t.strip().lower() for t in tags if t.strip()}))


class ProductV1(BaseModel):
    """A product as v1 shows it."""

    id: str
    name: str
    description: str
    price: str = Field(description="decimal string in major units, e.g. 12.50")


class ProductV2(ProductV1):
    """A product as v2 shows it: v1's fields plus currency and tags."""

    currency: str = Field(description="ISO 4217 code")
    tags: list[str]


class ProductListV1(BaseModel):
    """Every product (v1)."""

    products: list[ProductV1]


class ProductPageV2(BaseModel):
    """A page of products (v2)."""

    products: list[ProductV2]
    next_cursor: str | None = Field(
        default=None, description="pass as `cursor` for the next page; absent on the last"
    )


class PriceQuote(BaseModel):
    """Current prices of the requested products."""

    prices: dict[str, str] = Field(description="product id -> decimal price string")
    missing: list[str] = Field(description="requested ids that are not in the catalog")


class ErrorBody(BaseModel):
    """An error: its code, a message, and the offending field when there is one."""

    error: str
    message: str
    details: dict[str, Any] | None = None


def v1(product: Product) -> ProductV1:
    return ProductV1(
        id=product.id,
        name=product.name,
        description=product.description,
        price=money(product.price),
    )


def v2(product: Product) -> ProductV2:
    return ProductV2(**v1(product).model_dump(), currency=product.currency, tags=list(product.tags))


def check_id(value: str, field: str = "id") -> str:
    if not _ID_RE.match(value):
        raise ValidationError(
            f"{field}: {value[:80]!r} is not a product id (lower-case letters, digits, '-')",
            field=field,
        )
    return value


def parse_ids(raw: str | None) -> list[str]:
    """`ids=a,b,a` -> `["a", "b"]`: 1 to 100 distinct, valid ids, in the order asked."""
    items = [part.strip() for part in (raw or "").split(",") if part.strip()]
    if not items:
        raise ValidationError("ids: give at least one product id (ids=a,b)", field="ids")
    unique = list(dict.fromkeys(check_id(item, "ids") for item in items))
    if len(unique) > MAX_PRICE_IDS:
        raise ValidationError(f"ids: at most {MAX_PRICE_IDS} ids per request", field="ids")
    return unique


def quote(ids: Iterable[str], found: Iterable[Product]) -> PriceQuote:
    by_id = {p.id: p for p in found}
    ordered = list(ids)
    return PriceQuote(
        prices={i: money(by_id[i].price) for i in ordered if i in by_id},
        missing=[i for i in ordered if i not in by_id],
    )
