"""Inventory's rules, pure: what a reservation takes, whether it fits, what a release gives back.

- A product's stock is `available` (free to sell) and `reserved` (held for placed orders).
  Reserving moves units available -> reserved; releasing moves them back.
- All or nothing: an order whose lines do not all fit (an unknown product, or more than is
  available) reserves nothing; the store records it as rejected.
- Idempotent per order id: the store keeps one reservation row per order, so a duplicate
  `OrderPlaced` reserves once and a second release gives back nothing. A release that finds
  no reservation records one as released, so an `OrderPlaced` delivered after its
  `PaymentFailed` (SQS does not order them) reserves nothing either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

# The catalog's product ids (stratus.shop.catalog.domain.ID_PATTERN), kept here so the
# container needs no other service's package.
PRODUCT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
_PRODUCT_ID_RE = re.compile(PRODUCT_ID_PATTERN)
MAX_ORDER_ID = 128
MAX_QUANTITY = 1_000_000
MAX_LINES = 100


class InventoryError(ValueError):
    """Input the rules refuse (mapped to 400 by the app, to the DLQ by the worker)."""


def product_id(value: object) -> str:
    """A valid product id, or InventoryError."""
    if not isinstance(value, str) or not _PRODUCT_ID_RE.fullmatch(value):
        raise InventoryError(
            "product_id must be 1-64 characters of a-z, 0-9 and '-', starting with a letter "
            "or digit"
        )
    return value


def order_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ORDER_ID:
        raise InventoryError(f"orderId must be a non-empty string of at most {MAX_ORDER_ID}")
    if not value.isprintable():
        raise InventoryError("orderId must be printable")
    return value


@dataclass(frozen=True)
class Stock:
    product_id: str
    available: int
    reserved: int

    def as_json(self) -> dict[str, object]:
        return {
            "product_id": self.product_id,
            "available": self.available,
            "reserved": self.reserved,
        }


def merge_lines(lines: Iterable[tuple[object, object]]) -> dict[str, int]:
    """product id -> total quantity (an order may name a product twice), validated."""
    merged: dict[str, int] = {}
    for raw_id, quantity in lines:
        pid = product_id(raw_id)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InventoryError(f"quantity of {pid} must be a positive integer")
        merged[pid] = merged.get(pid, 0) + quantity
        if merged[pid] > MAX_QUANTITY:
            raise InventoryError(f"quantity of {pid} exceeds {MAX_QUANTITY}")
    if not merged:
        raise InventoryError("an order reserves at least one line")
    if len(merged) > MAX_LINES:
        raise InventoryError(f"an order has at most {MAX_LINES} products")
    return merged


class Status(StrEnum):
    RESERVED = "reserved"
    REJECTED = "rejected"
    RELEASED = "released"


@dataclass(frozen=True)
class Shortfall:
    product_id: str
    wanted: int
    available: int  # 0 for a product with no stock row


@dataclass(frozen=True)
class Decision:
    """Whether an order's lines fit the locked stock rows; `shortfalls` say why not."""

    shortfalls: tuple[Shortfall, ...]

    @property
    def fits(self) -> bool:
        return not self.shortfalls

    @property
    def reason(self) -> str | None:
        if self.fits:
            return None
        return "; ".join(
            f"{s.product_id}: wanted {s.wanted}, available {s.available}" for s in self.shortfalls
        )


def decide(lines: Mapping[str, int], stock: Mapping[str, Stock]) -> Decision:
    """All lines fit or none is taken (`stock` holds the rows locked for this order)."""
    shortfalls = []
    for pid, wanted in sorted(lines.items()):
        row = stock.get(pid)
        have = row.available if row else 0
        if wanted > have:
            shortfalls.append(Shortfall(pid, wanted, have))
    return Decision(tuple(shortfalls))


class Outcome(StrEnum):
    """What one command did (logged; the store's row says what holds)."""

    RESERVED = "reserved"
    REJECTED = "rejected"
    RELEASED = "released"
    DUPLICATE = "duplicate"  # the order already has a reservation row: nothing changed
    NOTHING_TO_RELEASE = "nothing_to_release"  # no reservation held: recorded, nothing moved


def release_outcome(status: Status | None) -> Outcome:
    """What releasing an order whose reservation row has `status` (None: no row) does."""
    if status is Status.RESERVED:
        return Outcome.RELEASED
    return Outcome.NOTHING_TO_RELEASE
