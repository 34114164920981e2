"""Notifications' batch processing: one e-mail per (orderId, outcome).

Partial batch responses as payments does (Powertools `BatchProcessor`), and Powertools
idempotency keyed on `[orderId, outcome]`: a result delivered twice sends one e-mail, and a
failed send is retried (its record is removed when the send raises). An order that fails and
is later paid gets both e-mails, since they are different facts.
"""

from __future__ import annotations

from typing import Any, Protocol

from stratus.shop.notifications.domain import MalformedMessageError, PaymentNotice, payment_notice
from stratus.shop.notifications.render import Email, render
from stratus.shop.sqs_batch import answer_sqs_batch

KEY_PREFIX = "stratus.shop.notifications.payment"


class Mailer(Protocol):
    def send(self, to: str, email: Email) -> str: ...


class Notifications:
    def __init__(
        self, mailer: Mailer, persistence_store: Any, *, ttl_seconds: int, logger: Any = None
    ) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            IdempotencyConfig,
            idempotent_function,
        )

        self._logger = logger
        self._config = IdempotencyConfig(
            event_key_jmespath="[orderId, outcome]",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=ttl_seconds,
        )

        @idempotent_function(
            data_keyword_argument="notice",
            persistence_store=persistence_store,
            config=self._config,
            key_prefix=KEY_PREFIX,
        )
        def notify(notice: dict[str, Any]) -> dict[str, Any]:
            parsed = PaymentNotice.model_validate(notice)
            message_id = mailer.send(parsed.email, render(parsed))
            self._log("info", "mail sent", {"orderId": parsed.order_id, "messageId": message_id})
            return {"messageId": message_id}

        self._notify = notify

    def notify_body(self, body: str) -> str:
        """Mail the customer about the result in one SQS body; returns SES's message id."""
        try:
            notice = payment_notice(body)
        except MalformedMessageError as exc:
            self._log("warning", "malformed message", {"error": str(exc)})
            raise
        answer = self._notify(notice=notice.model_dump(mode="json", by_alias=True))
        return str(answer["messageId"])

    def handle_batch(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """The Lambda answer for one SQS batch: `{"batchItemFailures": [...]}`."""
        return answer_sqs_batch(event, context, self.notify_body, self._config)

    def _log(self, level: str, message: str, extra: dict[str, Any]) -> None:
        if self._logger is not None:
            getattr(self._logger, level)(message, extra=extra)
