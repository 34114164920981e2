"""Production wiring: `Dependencies` from `TodoConfig`, every AWS client built lazily, once.

The to-dos function never builds an S3 client and the files function never builds a
DynamoDB one; Secrets Manager is touched only when a cursor is first minted or checked, and
the idempotency client only for requests carrying `Idempotency-Key`.
"""

from __future__ import annotations

import functools
from typing import Any

from stratus.runtime import clients
from stratus.todo.api import Dependencies
from stratus.todo.config import TodoConfig
from stratus.todo.cursor import CursorCodec, secret_key_from_secrets_manager
from stratus.todo.domain import IdGenerator, utc_now
from stratus.todo.files import UserFiles
from stratus.todo.idempotency import IdempotentCreate
from stratus.todo.store import TodoStore


def production_dependencies(config: TodoConfig, logger: Any = None) -> Dependencies:
    @functools.cache
    def table_client() -> Any:
        return clients.dynamodb_client(config)

    @functools.cache
    def todos() -> TodoStore:
        return TodoStore(
            table_client(),
            config.table_name,
            clock=utc_now,
            new_id=IdGenerator(utc_now),
            query_cache_ttl_seconds=config.query_cache_ttl_seconds,
        )

    @functools.cache
    def files() -> UserFiles:
        return UserFiles(
            clients.s3_client(config),
            config.files_bucket,
            clock=utc_now,
            max_upload_bytes=config.upload_max_bytes,
            url_ttl_seconds=config.presigned_url_ttl_seconds,
        )

    @functools.cache
    def idempotent_create() -> IdempotentCreate:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        # Never through DAX: idempotency needs DynamoDB's conditional writes and consistent reads.
        dax = clients.uses_dax(config)
        client = clients.plain_dynamodb_client(config) if dax else table_client()
        persistence = DynamoDBPersistenceLayer(
            table_name=config.idempotency_table_name, boto3_client=client
        )
        return IdempotentCreate(todos(), persistence)

    def cursor_key() -> bytes:
        return secret_key_from_secrets_manager(
            clients.secrets_client(config), config.cursor_secret_arn
        )()

    return Dependencies(
        todos=todos,
        files=files,
        cursors=CursorCodec(cursor_key),
        idempotent_create=idempotent_create,
        logger=logger,
    )
