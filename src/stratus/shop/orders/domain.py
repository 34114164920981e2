"""Orders: request models, money, the status machine and ids. Pure: no I/O.

Money is `Decimal` inside and a decimal string in major units outside (`"12.50"`), the
shop's agreed format: floats would turn 3 x 4.10 into 12.299999. Totals are quantised to
cents with ROUND_HALF_UP; catalog prices already have at most two decimals, so a total is
exact.

Status machine: PLACED -> PAID | PAYMENT_FAILED, PAID -> SHIPPED. `plan_transition` says
what to do with a requested move; applying a move that already happened (a duplicate
delivery) is a no-op, never an error, so consumers can be retried safely.

Ids are ULIDs (48-bit millisecond time + 80 random bits, Crockford base32) so the sort key
`order#<id>` lists a customer's orders by creation time. No ULID package is in the Lambda
bundle and the format is a few lines (the to-do system has its own copy; the systems share
no domain code).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from stratus.runtime.errors import ValidationError

MAX_ITEMS = 50
MAX_QUANTITY = 1000
CENT = Decimal("0.01")
MAX_PRICE = Decimal(10**9)
PRODUCT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. `2025-01-02T03:04:05.678Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- money -----------------------------------------------------------------------------


def parse_money(value: Any) -> Decimal:
    """A price: a decimal string (or Decimal) in major units, 0 <= price < MAX_PRICE, at most
    two decimals (cents); ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, str | Decimal):
        raise ValueError(f"price must be a decimal string, got {type(value).__name__}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"price {value!r} is not a decimal number") from None
    if not amount.is_finite() or not 0 <= amount < MAX_PRICE:
        raise ValueError(f"price {value!r} is out of range")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError(f"price {value!r} has more than two decimals")
    return amount


def money(amount: Decimal) -> str:
    """`Decimal("12.5")` -> `"12.50"`."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


# --- requests ----------------------------------------------------------------------------

ProductId = Annotated[str, StringConstraints(strict=True, pattern=PRODUCT_ID_PATTERN)]


class ItemRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: ProductId
    quantity: int = Field(strict=True, ge=1, le=MAX_QUANTITY)


class PlaceOrder(BaseModel):
    """Body of `POST /orders`."""

    model_config = ConfigDict(extra="forbid")
    items: list[ItemRequest] = Field(min_length=1, max_length=MAX_ITEMS)

    @field_validator("items")
    @classmethod
    def _distinct(cls, items: list[ItemRequest]) -> list[ItemRequest]:
        seen: set[str] = set()
        for item in items:
            if item.product_id in seen:
                raise ValueError(f"product {item.product_id} is listed twice")
            seen.add(item.product_id)
        return items

    def product_ids(self) -> list[str]:
        return [item.product_id for item in self.items]


# --- orders ------------------------------------------------------------------------------


class OrderStatus(StrEnum):
    PLACED = "PLACED"
    PAID = "PAID"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    SHIPPED = "SHIPPED"


class OrderLine(BaseModel):
    product_id: str
    quantity: int
    unit_price: str
    line_total: str


class Order(BaseModel):
    id: str
    status: OrderStatus
    total: str
    items: list[OrderLine]
    created_at: str
    updated_at: str


class OrderPage(BaseModel):
    items: list[Order]
    next: str | None = Field(None, description="opaque cursor for the next page, or null")


class ErrorBody(BaseModel):
    error: str
    message: str
    details: dict[str, Any] | None = None
    request_id: str | None = None


def price_lines(
    request: PlaceOrder, prices: Mapping[str, Decimal], missing: Sequence[str]
) -> tuple[list[OrderLine], Decimal]:
    """The priced lines and the total; 400 naming every product the catalog does not know."""
    unknown = [pid for pid in request.product_ids() if pid in missing or pid not in prices]
    if unknown:
        raise UnknownProductError(unknown)
    lines: list[OrderLine] = []
    total = Decimal(0)
    for item in request.items:
        unit = prices[item.product_id]
        line_total = unit * item.quantity
        total += line_total
        lines.append(
            OrderLine(
                product_id=item.product_id,
                quantity=item.quantity,
                unit_price=money(unit),
                line_total=money(line_total),
            )
        )
    return lines, total.quantize(CENT, rounding=ROUND_HALF_UP)


class UnknownProductError(ValidationError):
    def __init__(self, product_ids: Sequence[str]) -> None:
        super().__init__(f"unknown product: {', '.join(product_ids)}", field="items")
        self.details["unknown"] = list(product_ids)


# --- status machine ------------------------------------------------------------------------

# Which status each status may move to. SHIPPED and PAYMENT_FAILED are final.
NEXT: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLACED: frozenset({OrderStatus.PAID, OrderStatus.PAYMENT_FAILED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED}),
    OrderStatus.PAYMENT_FAILED: frozenset(),
    OrderStatus.SHIPPED: frozenset(),
}


def sources(target: OrderStatus) -> frozenset[OrderStatus]:
    """The statuses from which `target` may be reached directly."""
    return frozenset(status for status, nexts in NEXT.items() if target in nexts)


def reached(current: OrderStatus, target: OrderStatus) -> bool:
    """True when `target` is `current` or lies behind it (a duplicate or late delivery)."""
    if current == target:
        return True
    return any(reached(previous, target) for previous in sources(current))


class Move(StrEnum):
    APPLY = "apply"  # current -> target is an allowed step
    ALREADY = "already"  # target already reached (duplicate or late): nothing to do
    REFUSED = "refused"  # not allowed from here (e.g. PAID after PAYMENT_FAILED)


def plan_transition(current: OrderStatus, target: OrderStatus) -> Move:
    if target in NEXT[current]:
        return Move.APPLY
    if reached(current, target):
        return Move.ALREADY
    return Move.REFUSED


# --- ids ---------------------------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ORDER_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def _b32(number: int, length: int) -> str:
    out = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        out.append(_CROCKFORD[digit])
    return "".join(reversed(out))


class OrderIds:
    """Monotonic ULIDs: within one millisecond the random part counts up, so a customer's
    orders placed through one container sort in creation order (as the to-do ids do)."""

    def __init__(
        self, clock: Clock = utc_now, random_bytes: Callable[[int], bytes] = os.urandom
    ) -> None:
        self._clock = clock
        self._random = random_bytes
        self._last = (-1, 0)
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            ms = int(self._clock().timestamp() * 1000)
            last_ms, last_rand = self._last
            if ms <= last_ms:
                ms, rand = last_ms, last_rand + 1
                if rand >= 1 << 80:  # 2^80 ids in one millisecond: borrow the next one
                    ms, rand = ms + 1, 0
            else:
                rand = int.from_bytes(self._random(10), "big")
            self._last = (ms, rand)
            return _b32(ms, 10) + _b32(rand, 16)


def is_order_id(value: str) -> bool:
    return bool(_ORDER_ID.match(value))
