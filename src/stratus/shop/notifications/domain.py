"""What notifications reads: one payment result, as payments publishes it.

The subscription uses raw message delivery, so an SQS body is the `PaymentResults` message
itself (https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html):
nothing of the SNS envelope is needed (the filter policy already ran in SNS, the idempotency
key is in the message), and the consumer does not depend on the envelope's shape.

Its own model, not payments' code: the services share a contract, not a package.
"""

from __future__ import annotations

import json
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class MalformedMessageError(ValueError):
    """A message that is not a payment result; retrying it can never succeed."""


class PaymentNotice(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", validate_by_name=True)

    order_id: str = Field(alias="orderId", min_length=1, max_length=128)
    customer_id: str = Field(alias="customerId", min_length=1, max_length=128)
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    total: str = Field(pattern=r"^\d{1,7}\.\d{2}$")
    outcome: Outcome
    reason: str | None = Field(default=None, max_length=200)


def payment_notice(body: str) -> PaymentNotice:
    """The payment result in one SQS body (raw delivery); MalformedMessageError else."""
    try:
        message = json.loads(body)
    except (TypeError, ValueError):
        raise MalformedMessageError("message body is not JSON") from None
    if not isinstance(message, dict):
        raise MalformedMessageError("message body is not a JSON object")
    try:
        return PaymentNotice.model_validate(message)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise MalformedMessageError(f"invalid payment result: {', '.join(fields)}") from None
