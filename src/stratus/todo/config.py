"""The to-do functions' typed configuration, read once from the environment.

Env-var names are constants here, so infra (which sets them) and handlers (which read them)
cannot drift apart. A missing key raises ConfigError naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from stratus.runtime.config import integer, region, require

ENV_TODO_TABLE = "TODO_TABLE_NAME"
ENV_IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE_NAME"
ENV_FILES_BUCKET = "USER_FILES_BUCKET_NAME"
ENV_CURSOR_SECRET_ARN = "CURSOR_SECRET_ARN"
ENV_DAX_ENDPOINT = "DAX_ENDPOINT"
ENV_QUERY_CACHE_TTL = "DAX_QUERY_CACHE_TTL_SECONDS"
ENV_UPLOAD_MAX_BYTES = "UPLOAD_MAX_BYTES"
ENV_URL_TTL = "PRESIGNED_URL_TTL_SECONDS"


@dataclass(frozen=True)
class TodoConfig:
    table_name: str
    idempotency_table_name: str
    files_bucket: str
    cursor_secret_arn: str
    region: str
    dax_endpoint: str | None = None
    # DAX's default query-cache TTL is 5 minutes; the read-your-writes window must match it.
    query_cache_ttl_seconds: int = 300
    upload_max_bytes: int = 50 * 1024 * 1024
    presigned_url_ttl_seconds: int = 900

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TodoConfig:
        env = os.environ if env is None else env
        return cls(
            table_name=require(env, ENV_TODO_TABLE),
            idempotency_table_name=require(env, ENV_IDEMPOTENCY_TABLE),
            files_bucket=require(env, ENV_FILES_BUCKET),
            cursor_secret_arn=require(env, ENV_CURSOR_SECRET_ARN),
            region=region(env),
            dax_endpoint=env.get(ENV_DAX_ENDPOINT, "").strip() or None,
            query_cache_ttl_seconds=integer(env, ENV_QUERY_CACHE_TTL, 300),
            upload_max_bytes=integer(env, ENV_UPLOAD_MAX_BYTES, 50 * 1024 * 1024),
            presigned_url_ttl_seconds=min(integer(env, ENV_URL_TTL, 900), 900),
        )
