"""The analytics functions' typed configuration, read once from the environment.

Env-var names are constants here, so the stack (which sets them) and the handlers (which read
them) cannot drift apart. A missing key raises ConfigError naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from stratus.runtime.config import region

ENV_COUNTERS_TABLE = "COUNTERS_TABLE_NAME"
ENV_LEDGER_TABLE = "LEDGER_TABLE_NAME"
ENV_DAILY_TABLE = "DAILY_TABLE_NAME"
ENV_CLICKSTREAM = "CLICKSTREAM_NAME"
ENV_EXPORT_BUCKET = "EXPORT_BUCKET_NAME"


@dataclass(frozen=True)
class AnalyticsConfig:
    """Each function sets only what it uses; an unset one is read as "" and refused on use."""

    region: str
    counters_table_name: str = ""
    ledger_table_name: str = ""
    daily_table_name: str = ""
    clickstream_name: str = ""
    export_bucket_name: str = ""
    dax_endpoint: str | None = None  # never used: counters go to DynamoDB itself

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AnalyticsConfig:
        env = os.environ if env is None else env
        return cls(
            region=region(env),
            counters_table_name=env.get(ENV_COUNTERS_TABLE, "").strip(),
            ledger_table_name=env.get(ENV_LEDGER_TABLE, "").strip(),
            daily_table_name=env.get(ENV_DAILY_TABLE, "").strip(),
            clickstream_name=env.get(ENV_CLICKSTREAM, "").strip(),
            export_bucket_name=env.get(ENV_EXPORT_BUCKET, "").strip(),
        )
