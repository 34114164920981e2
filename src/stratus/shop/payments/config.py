"""The payments function's typed configuration, read once from the environment.

Env-var names are constants here, so the stack (which sets them) and the handler (which reads
them) cannot drift apart. A missing key raises ConfigError naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from stratus.runtime.config import integer, region, require

ENV_RESULTS_TOPIC_ARN = "PAYMENT_RESULTS_TOPIC_ARN"
ENV_IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE_NAME"
ENV_STUB_DECLINE_SUFFIX = "PAYMENT_STUB_DECLINE_SUFFIX"
ENV_IDEMPOTENCY_TTL = "IDEMPOTENCY_TTL_SECONDS"

# The provider stub declines a total ending in this (issue 10: "a total ending in .13 fails").
DEFAULT_DECLINE_SUFFIX = ".13"
# SQS keeps a message at most 14 days, so a redelivery can never outlive the record.
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
DEFAULT_IDEMPOTENCY_TTL = 14 * 24 * 3600


@dataclass(frozen=True)
class PaymentsConfig:
    results_topic_arn: str
    idempotency_table_name: str
    region: str
    # Empty: the stub never declines.
    stub_decline_suffix: str = DEFAULT_DECLINE_SUFFIX
    idempotency_ttl_seconds: int = DEFAULT_IDEMPOTENCY_TTL
    dax_endpoint: str | None = None  # never used: payments talk to DynamoDB itself

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PaymentsConfig:
        env = os.environ if env is None else env
        return cls(
            results_topic_arn=require(env, ENV_RESULTS_TOPIC_ARN),
            idempotency_table_name=require(env, ENV_IDEMPOTENCY_TABLE),
            region=region(env),
            stub_decline_suffix=env.get(ENV_STUB_DECLINE_SUFFIX, DEFAULT_DECLINE_SUFFIX).strip(),
            idempotency_ttl_seconds=integer(env, ENV_IDEMPOTENCY_TTL, DEFAULT_IDEMPOTENCY_TTL),
        )
