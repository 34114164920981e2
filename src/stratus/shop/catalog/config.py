"""The catalog functions' settings, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from stratus.runtime.config import region, require

ENV_TABLE = "PRODUCTS_TABLE"


@dataclass(frozen=True)
class CatalogConfig:
    table_name: str
    region: str
    dax_endpoint: str | None = None  # the shared client factory's knob; the catalog has none

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CatalogConfig:
        env = os.environ if env is None else env
        return cls(table_name=require(env, ENV_TABLE), region=region(env))
