"""Payments' domain: the order it is asked to charge, the provider it charges, the result.

Pure: no AWS client here. `OrderPlaced` is the event orders emits (issue 10's agreed shape,
`detail` of an EventBridge event from `stratus.shop.orders`); `PaymentResult` is what goes to
the `PaymentResults` topic.

The payment provider is a stub on every stage, named as such: it declines a total ending in a
configured suffix (".13" by default, so tests and demos can make a payment fail on purpose)
and approves anything else. A real provider would take the order id as its idempotency key,
as payment APIs do, so a charge retried after a crash is never taken twice.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TOTAL = Decimal("1000000")


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


EVENT_TYPES = {Outcome.SUCCEEDED: "PaymentSucceeded", Outcome.FAILED: "PaymentFailed"}


def money(value: Any) -> str:
    """A decimal string in major units with two places ("12.5" -> "12.50"); ValueError else."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError("total must be a decimal string such as '12.50'")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("total must be a decimal string such as '12.50'") from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_TOTAL:
        raise ValueError("total must be between 0 and 1000000")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("total has more than two decimal places")
    return f"{amount:.2f}"


class OrderPlaced(BaseModel):
    """The `detail` of an `OrderPlaced` event; fields it does not know are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_name=True)

    order_id: str = Field(alias="orderId", min_length=1, max_length=128)
    customer_id: str = Field(alias="customerId", min_length=1, max_length=128)
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    total: str
    items: list[dict[str, Any]] = Field(default_factory=list)
    placed_at: str | None = Field(default=None, alias="placedAt")

    @field_validator("total", mode="before")
    @classmethod
    def _total(cls, value: Any) -> str:
        return money(value)


class PaymentResult(BaseModel):
    """The `PaymentResults` message: who, how much, and whether the charge went through."""

    model_config = ConfigDict(frozen=True, validate_by_name=True)

    order_id: str = Field(alias="orderId")
    customer_id: str = Field(alias="customerId")
    email: str
    total: str
    outcome: Outcome
    reason: str | None = None

    @property
    def event_type(self) -> str:
        return EVENT_TYPES[self.outcome]

    def message(self) -> dict[str, Any]:
        """The JSON message; `reason` only when there is one (a failure)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Charge(BaseModel):
    """A provider's answer."""

    model_config = ConfigDict(frozen=True)

    approved: bool
    reason: str | None = None


class PaymentProvider(Protocol):
    def charge(self, order: OrderPlaced) -> Charge: ...


class StubPaymentProvider:
    """The payment provider stub (every stage): declines totals ending in `decline_suffix`."""

    REASON = "card_declined"

    def __init__(self, decline_suffix: str = ".13") -> None:
        self.decline_suffix = decline_suffix

    def charge(self, order: OrderPlaced) -> Charge:
        if self.decline_suffix and order.total.endswith(self.decline_suffix):
            return Charge(approved=False, reason=self.REASON)
        return Charge(approved=True)


def settle(order: OrderPlaced, provider: PaymentProvider) -> PaymentResult:
    """Charge the order once and say what happened."""
    charge = provider.charge(order)
    return PaymentResult(
        orderId=order.order_id,
        customerId=order.customer_id,
        email=order.email,
        total=order.total,
        outcome=Outcome.SUCCEEDED if charge.approved else Outcome.FAILED,
        reason=None if charge.approved else (charge.reason or "declined"),
    )
