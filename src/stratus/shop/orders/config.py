"""The orders functions' typed configuration, read once from the environment.

Env-var names are constants here so the stack (which sets them) and the handlers (which
read them) cannot drift apart. Each function reads only what it needs: a missing key raises
ConfigError naming the variable, on first use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from stratus.runtime.config import integer, region, require

ENV_ORDERS_TABLE = "ORDERS_TABLE_NAME"
ENV_CATALOG_API_URL = "CATALOG_API_URL"
ENV_EVENT_BUS = "EVENT_BUS_NAME"
ENV_FULFILMENT_QUEUE_URL = "FULFILMENT_QUEUE_URL"
ENV_FULFILMENT_DELAY = "FULFILMENT_DELAY_SECONDS"
DEFAULT_FULFILMENT_DELAY = 5


@dataclass(frozen=True)
class OrdersConfig:
    region: str
    env: Mapping[str, str]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OrdersConfig:
        env = os.environ if env is None else env
        return cls(region=region(env), env=dict(env))

    @property
    def table_name(self) -> str:
        return require(self.env, ENV_ORDERS_TABLE)

    @property
    def catalog_api_url(self) -> str:
        return require(self.env, ENV_CATALOG_API_URL)

    @property
    def event_bus_name(self) -> str:
        return require(self.env, ENV_EVENT_BUS)

    @property
    def fulfilment_queue_url(self) -> str:
        return require(self.env, ENV_FULFILMENT_QUEUE_URL)

    @property
    def fulfilment_delay_seconds(self) -> int:
        return integer(self.env, ENV_FULFILMENT_DELAY, DEFAULT_FULFILMENT_DELAY)
