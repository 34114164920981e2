"""What one clickstream record means for the per-product counters. Pure: no I/O.

The stream carries three kinds of JSON record:
- an EventBridge event as the shop bus's rule delivers it (`source` `stratus.shop.orders`,
  `detail-type` `OrderPlaced`, the orders outbox's detail) -> per product: one order, its
  units and its line total as revenue, on the day of `placedAt`;
- `{"type": "PaymentFailed", "orderId", "at"?}` (forwarded from payments' `PaymentResults`
  topic) -> one failed payment for each product of that order, known from its `OrderPlaced`;
- `{"type": "PageView", "productId", "path"?, "eventId"?, "at"}` (the public page-view route)
  -> one view; a client's `eventId` makes its retries count once.
Each fact also names its UTC day (its own time; a record without one: when it reached the
stream) and its claim, the ledger key that makes it count once (see counters.py). Anything
else is a `BadRecordError`: the consumer reports it, Lambda retries and then sends it to the
on-failure destination, and the shard moves on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stratus.shop.analytics.days import BadDayError, epoch_day, utc_day

ORDERS_SOURCE = "stratus.shop.orders"
ORDER_PLACED = "OrderPlaced"
PAYMENT_FAILED = "PaymentFailed"
PAGE_VIEW = "PageView"
COUNTERS = ("orders", "units", "revenue", "paymentsFailed", "pageViews")
# Product ids as the catalog makes them (letters, digits, - and _), bounded.
PRODUCT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Order ids as orders makes them (bounded: they become ledger keys).
ORDER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
# A client's id for one view (a UUID fits), so its retries are counted once.
EVENT_ID = r"^[A-Za-z0-9_-]{8,64}$"
# A site path: starts with "/", no control characters.
PATH = r"^/[^\x00-\x1f\x7f]*$"
MAX_PATH = 512


class BadRecordError(ValueError):
    """A record that is not one of the three kinds (or not JSON at all)."""


class PageView(BaseModel):
    """`POST /events/page-views`: a client saw a product's page."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    product_id: str = Field(alias="productId", pattern=PRODUCT_ID.pattern)
    path: str | None = Field(default=None, max_length=MAX_PATH, pattern=PATH)
    event_id: str | None = Field(default=None, alias="eventId", pattern=EVENT_ID)


@dataclass(frozen=True)
class Delta:
    """What to add to one product's counters."""

    product_id: str
    orders: int = 0
    units: int = 0
    revenue: Decimal = Decimal("0")
    payments_failed: int = 0
    page_views: int = 0


@dataclass(frozen=True)
class OrderLines:
    """An order's products, kept so a later `PaymentFailed` knows what to count."""

    order_id: str
    product_ids: tuple[str, ...]


@dataclass(frozen=True)
class Placed:
    lines: OrderLines
    deltas: tuple[Delta, ...]
    day: str

    @property
    def claim(self) -> str:
        return order_claim(self.lines.order_id)


@dataclass(frozen=True)
class PaymentFailed:
    order_id: str
    day: str

    @property
    def claim(self) -> str:
        return f"FAILED#{self.order_id}"


@dataclass(frozen=True)
class Viewed:
    delta: Delta
    day: str
    event_id: str | None = None

    def claim(self, record_id: str) -> str:
        """The client's event id if it sent one, else the stream record's own id."""
        return f"VIEW#{self.event_id}" if self.event_id else f"RECORD#{record_id}"


Fact = Placed | PaymentFailed | Viewed


def order_claim(order_id: str) -> str:
    return f"ORDER#{order_id}"


def page_view_record(view: PageView, at: str) -> dict[str, Any]:
    """The stream record the page-view route writes."""
    record: dict[str, Any] = {"type": PAGE_VIEW, "productId": view.product_id, "at": at}
    if view.path is not None:
        record["path"] = view.path
    if view.event_id is not None:
        record["eventId"] = view.event_id
    return record


def payment_failed_record(message: dict[str, Any], at: str) -> dict[str, Any]:
    """The stream record for one `PaymentResults` message with outcome `failed` (the
    message carries no time: `at` is when it was forwarded)."""
    order_id = message.get("orderId")
    if not isinstance(order_id, str) or not ORDER_ID.match(order_id):
        raise BadRecordError("payment result without a valid orderId")
    return {"type": PAYMENT_FAILED, "orderId": order_id, "reason": message.get("reason"), "at": at}


def _day(body: dict[str, Any], key: str, arrived: float | None) -> str:
    """The UTC day of `body[key]`; without one, of the record's arrival in the stream."""
    raw = body.get(key)
    if raw is None:
        if arrived is None:
            raise BadRecordError(f"record without {key!r} nor an arrival time")
        return epoch_day(arrived)
    try:
        return utc_day(raw)
    except BadDayError as exc:
        raise BadRecordError(str(exc)) from None


def parse(data: bytes, arrived: float | None = None) -> Fact:
    """The fact one record's data states; raises BadRecordError for anything else.
    `arrived`: the record's `approximateArrivalTimestamp` (epoch seconds)."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadRecordError("record data is not JSON") from None
    if not isinstance(body, dict):
        raise BadRecordError("record data is not a JSON object")
    if body.get("source") == ORDERS_SOURCE and body.get("detail-type") == ORDER_PLACED:
        detail = body.get("detail")
        if not isinstance(detail, dict):
            raise BadRecordError("OrderPlaced without a detail object")
        when = detail if "placedAt" in detail else {"placedAt": body.get("time")}
        return _placed(detail, _day(when, "placedAt", arrived))
    kind = body.get("type")
    if kind == PAGE_VIEW:
        try:
            fields = {k: v for k, v in body.items() if k in ("productId", "path", "eventId")}
            view = PageView.model_validate(fields)
        except ValidationError as exc:
            raise BadRecordError(f"bad page view: {exc.errors()[0]['msg']}") from None
        day = _day(body, "at", arrived)
        return Viewed(Delta(view.product_id, page_views=1), day, view.event_id)
    if kind == PAYMENT_FAILED:
        order_id = body.get("orderId")
        if not isinstance(order_id, str) or not ORDER_ID.match(order_id):
            raise BadRecordError("PaymentFailed without a valid orderId")
        return PaymentFailed(order_id, _day(body, "at", arrived))
    raise BadRecordError(f"unknown record kind {kind or body.get('detail-type')!r}")


def _placed(detail: dict[str, Any], day: str) -> Placed:
    try:
        order_id = str(detail["orderId"])
        if not ORDER_ID.match(order_id):
            raise BadRecordError(f"bad orderId {order_id[:80]!r}")
        per_product: dict[str, Delta] = {}
        for line in detail["items"]:
            product = str(line["productId"])
            quantity = int(line["quantity"])
            revenue = Decimal(str(line["lineTotal"]))
            if not PRODUCT_ID.match(product) or quantity < 1 or not revenue.is_finite():
                raise BadRecordError(f"bad order line for {product!r}")
            seen = per_product.get(product, Delta(product, orders=1))
            per_product[product] = Delta(
                product, orders=1, units=seen.units + quantity, revenue=seen.revenue + revenue
            )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        if isinstance(exc, BadRecordError):
            raise
        raise BadRecordError(f"not an OrderPlaced detail: {exc!r}") from None
    if not per_product:
        raise BadRecordError("OrderPlaced without items")
    lines = OrderLines(order_id, tuple(per_product))
    return Placed(lines, tuple(per_product.values()), day)


def failed_payment_deltas(lines: OrderLines) -> tuple[Delta, ...]:
    return tuple(Delta(product, payments_failed=1) for product in lines.product_ids)
