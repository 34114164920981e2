"""Payments' batch processing: each SQS record settled at most once per order.

- Partial batch responses (Powertools `BatchProcessor`; the event source mapping has
  `ReportBatchItemFailures`): a record that fails is reported in `batchItemFailures` and only
  it comes back, https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html.
  A batch whose every record failed is answered the same way, not with an exception.
- Idempotent per `orderId` (Powertools idempotency, DynamoDB persistence): charging and
  publishing run inside one idempotent call, so a duplicate delivery (SQS is at-least-once,
  EventBridge too) returns the stored result and neither charges nor publishes again. If the
  publish fails, the record is deleted by Powertools and the retry charges again, which the
  provider's own idempotency on the order id makes safe. The same `orderId` with another
  `total` is refused (payload validation) and that message ends in the DLQ for a human.
"""

from __future__ import annotations

from typing import Any, Protocol

from stratus.shop.payments.domain import OrderPlaced, PaymentProvider, PaymentResult, settle
from stratus.shop.payments.events import MalformedMessageError, order_placed
from stratus.shop.sqs_batch import answer_sqs_batch

KEY_PREFIX = "stratus.shop.payments.settle"


class ResultPublisher(Protocol):
    def publish(self, result: PaymentResult) -> str: ...


class Payments:
    def __init__(
        self,
        provider: PaymentProvider,
        publisher: ResultPublisher,
        persistence_store: Any,
        *,
        ttl_seconds: int,
        logger: Any = None,
    ) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            IdempotencyConfig,
            idempotent_function,
        )

        self._logger = logger
        self._config = IdempotencyConfig(
            event_key_jmespath="orderId",
            payload_validation_jmespath="total",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=ttl_seconds,
        )

        @idempotent_function(
            data_keyword_argument="order",
            persistence_store=persistence_store,
            config=self._config,
            key_prefix=KEY_PREFIX,
        )
        def pay(order: dict[str, Any]) -> dict[str, Any]:
            result = settle(OrderPlaced.model_validate(order), provider)
            publisher.publish(result)
            self._log("info", "payment settled", result.message())
            return result.message()

        self._pay = pay

    def settle_body(self, body: str) -> PaymentResult:
        """Settle the order in one SQS body; raises for a malformed or conflicting message."""
        try:
            order = order_placed(body)
        except MalformedMessageError as exc:
            self._log("warning", "malformed message", {"error": str(exc)})
            raise
        stored = self._pay(order=order.model_dump(mode="json", by_alias=True))
        return PaymentResult.model_validate(stored)

    def handle_batch(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The Lambda answer for one SQS batch: `{"batchItemFailures": [...]}`."""
        return answer_sqs_batch(event, context, self.settle_body, self._config)

    def _log(self, level: str, message: str, extra: dict[str, Any]) -> None:
        if self._logger is not None:
            getattr(self._logger, level)(message, extra=extra)
