"""The wire shapes payments reads and writes.

In: an SQS message whose body is the EventBridge event the rule delivered (the whole event,
not only its `detail`: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html
— an SQS target gets the event as the message body unless an input transformer says
otherwise). Anything else is a malformed message: it fails its own record only, and after the
queue's maxReceiveCount SQS moves it to the DLQ.

Out: the `PaymentResults` SNS message (JSON) with message attributes `outcome` and
`eventType`, so subscribers filter on attributes without parsing bodies.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from stratus.shop.payments.domain import OrderPlaced, PaymentResult

SOURCE = "stratus.shop.orders"
DETAIL_TYPE = "OrderPlaced"


class MalformedMessageError(ValueError):
    """A message that is not an `OrderPlaced` event; retrying it can never succeed."""


def order_placed(body: str) -> OrderPlaced:
    """The order inside an SQS body holding an EventBridge `OrderPlaced` event."""
    try:
        event = json.loads(body)
    except (TypeError, ValueError):
        raise MalformedMessageError("message body is not JSON") from None
    if not isinstance(event, dict):
        raise MalformedMessageError("message body is not a JSON object")
    if event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        raise MalformedMessageError(
            f"expected an {DETAIL_TYPE} event from {SOURCE}, got "
            f"{event.get('detail-type')!r} from {event.get('source')!r}"
        )
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise MalformedMessageError("the event has no detail object")
    try:
        return OrderPlaced.model_validate(detail)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise MalformedMessageError(f"invalid OrderPlaced detail: {', '.join(fields)}") from None


def sns_publish_params(topic_arn: str, result: PaymentResult) -> dict[str, Any]:
    """The Publish call for one result (its attributes are what filter policies match)."""
    return {
        "TopicArn": topic_arn,
        "Message": json.dumps(result.message(), separators=(",", ":")),
        "MessageAttributes": {
            "outcome": {"DataType": "String", "StringValue": result.outcome.value},
            "eventType": {"DataType": "String", "StringValue": result.event_type},
        },
    }


class SnsResultPublisher:
    """Publishes results to the `PaymentResults` topic (client injected)."""

    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    def publish(self, result: PaymentResult) -> str:
        answer = self._sns.publish(**sns_publish_params(self._topic_arn, result))
        return str(answer["MessageId"])
