"""Production wiring: the DynamoDB client is built lazily, once per container."""

from __future__ import annotations

import functools
from typing import Any

from stratus.runtime import clients
from stratus.shop.catalog.api import Dependencies
from stratus.shop.catalog.config import CatalogConfig
from stratus.shop.catalog.store import ProductStore


def production_dependencies(config: CatalogConfig, logger: Any = None) -> Dependencies:
    @functools.cache
    def products() -> ProductStore:
        return ProductStore(clients.plain_dynamodb_client(config), config.table_name)

    return Dependencies(products=products, logger=logger)
