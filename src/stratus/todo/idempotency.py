"""Idempotent POST /todos on Powertools' idempotency utility (DynamoDB persistence layer).

The idempotency record's key is the hash of `[sub, Idempotency-Key]`, so two users can use
the same key independently; the request body is the payload-validation part, so reusing a
key with a different body is detected (422) instead of silently returning another result.
`key_prefix` is fixed so records survive renaming the Lambda function.

Powertools' idempotency module is imported lazily: only requests carrying the header pay
for it (cold start matters).
"""

from __future__ import annotations

from typing import Any

from stratus.runtime.errors import ConflictError, StratusError
from stratus.todo.domain import Todo, TodoCreate
from stratus.todo.store import TodoStore

RECORD_TTL_SECONDS = 24 * 3600


class IdempotencyKeyReusedError(StratusError):
    """Same Idempotency-Key, different body (IETF draft-ietf-httpapi-idempotency-key: 422)."""

    status = 422
    code = "IdempotencyKeyReused"


class IdempotentCreate:
    def __init__(self, store: TodoStore, persistence_store: Any) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            IdempotencyConfig,
            idempotent_function,
        )

        self._config = IdempotencyConfig(
            event_key_jmespath="[sub, key]",
            payload_validation_jmespath="body",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=RECORD_TTL_SECONDS,
        )

        @idempotent_function(
            data_keyword_argument="request",
            persistence_store=persistence_store,
            config=self._config,
            key_prefix="stratus.todo.create_todo",
        )
        def create(request: dict[str, Any]) -> dict[str, Any]:
            body = TodoCreate.model_validate(request["body"])
            return store.create(request["sub"], body).model_dump()

        self._create = create

    def __call__(self, sub: str, key: str, body: TodoCreate, lambda_context: Any) -> Todo:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
            self._config.register_lambda_context(lambda_context)
        request = {"sub": sub, "key": key, "body": body.model_dump(mode="json")}
        try:
            return Todo.model_validate(self._create(request=request))
        except IdempotencyValidationError:
            raise IdempotencyKeyReusedError(
                "Idempotency-Key was already used with a different body"
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise ConflictError("a request with this Idempotency-Key is in progress") from None
