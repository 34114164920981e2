"""Production wiring: stores, price source and fulfilment from `OrdersConfig`, built once.

Every AWS client is built lazily so each function builds only the ones it uses (the
outbox function never builds the catalog adapter, the API never an SQS client).
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

from stratus.shop.orders.api import Dependencies
from stratus.shop.orders.config import OrdersConfig
from stratus.shop.orders.domain import OrderIds, utc_now
from stratus.shop.orders.prices import CatalogPriceSource, PriceSource
from stratus.shop.orders.results import PaymentResults, Shipments, SqsFulfilment
from stratus.shop.orders.store import OrderStore

# Lambda-sized timeouts, as the other systems' clients (runtime/clients.py).
_CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}
)


class Wiring:
    def __init__(self, config: OrdersConfig, logger: Any = None) -> None:
        self.config = config
        self.logger = logger

    def _client(self, service: str) -> Any:
        session: Any = boto3  # one generic factory for three services
        return session.client(service, region_name=self.config.region, config=_CLIENT_CONFIG)

    @functools.cached_property
    def orders(self) -> OrderStore:
        return OrderStore(
            self._client("dynamodb"), self.config.table_name, clock=utc_now, new_id=OrderIds()
        )

    @functools.cached_property
    def prices(self) -> PriceSource:
        # Credentials: the function role's, from the default chain (refreshed by botocore).
        return CatalogPriceSource(self.config.catalog_api_url, self.config.region)

    @functools.cached_property
    def events(self) -> Any:
        return self._client("events")

    @functools.cached_property
    def payment_results(self) -> PaymentResults:
        fulfilment = SqsFulfilment(
            self._client("sqs"),
            self.config.fulfilment_queue_url,
            self.config.fulfilment_delay_seconds,
        )
        return PaymentResults(self.orders, fulfilment, self.logger)

    @functools.cached_property
    def shipments(self) -> Shipments:
        return Shipments(self.orders, self.logger)

    def api_dependencies(self) -> Dependencies:
        return Dependencies(
            orders=lambda: self.orders, prices=lambda: self.prices, logger=self.logger
        )
