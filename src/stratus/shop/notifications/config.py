"""The notifications function's typed configuration, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from stratus.runtime.config import integer, region, require

ENV_IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE_NAME"
ENV_MAIL_FROM = "MAIL_FROM"
ENV_CONFIGURATION_SET = "MAIL_CONFIGURATION_SET"
ENV_IDEMPOTENCY_TTL = "IDEMPOTENCY_TTL_SECONDS"

# SQS keeps a message at most 14 days, so a redelivery can never outlive the record.
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
DEFAULT_IDEMPOTENCY_TTL = 14 * 24 * 3600


@dataclass(frozen=True)
class NotificationsConfig:
    idempotency_table_name: str
    mail_from: str
    region: str
    configuration_set: str | None = None
    idempotency_ttl_seconds: int = DEFAULT_IDEMPOTENCY_TTL
    dax_endpoint: str | None = None  # never used: notifications talk to DynamoDB itself

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotificationsConfig:
        env = os.environ if env is None else env
        return cls(
            idempotency_table_name=require(env, ENV_IDEMPOTENCY_TABLE),
            mail_from=require(env, ENV_MAIL_FROM),
            region=region(env),
            configuration_set=env.get(ENV_CONFIGURATION_SET, "").strip() or None,
            idempotency_ttl_seconds=integer(env, ENV_IDEMPOTENCY_TTL, DEFAULT_IDEMPOTENCY_TTL),
        )
