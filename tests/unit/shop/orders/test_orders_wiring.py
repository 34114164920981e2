"""Configuration and production wiring: settings read once, named when missing, clients
built lazily (the API function with no table setting still answers JSON, never a crash)."""

from __future__ import annotations

from typing import Any

import pytest
from orders_harness import api_event, call

from stratus.runtime.errors import ConfigError
from stratus.shop.orders.api import build_orders_app
from stratus.shop.orders.config import ENV_FULFILMENT_DELAY, ENV_ORDERS_TABLE, OrdersConfig
from stratus.shop.orders.prices import CatalogPriceSource
from stratus.shop.orders.wiring import Wiring


def test_missing_setting_is_named() -> None:
    config = OrdersConfig.from_env({"AWS_REGION": "eu-west-1"})
    assert config.region == "eu-west-1"
    with pytest.raises(ConfigError, match=ENV_ORDERS_TABLE):
        _ = config.table_name
    assert config.fulfilment_delay_seconds == 5
    with pytest.raises(ConfigError, match=ENV_FULFILMENT_DELAY):
        _ = OrdersConfig.from_env({ENV_FULFILMENT_DELAY: "soon"}).fulfilment_delay_seconds


def test_api_without_its_table_setting_answers_a_json_500(_moto: Any) -> None:
    app = build_orders_app(Wiring(OrdersConfig.from_env({})).api_dependencies())
    reply = call(app, api_event("GET", "/orders"))
    assert reply.status == 500 and reply.body["error"] == "ConfigError"


def test_wiring_builds_each_part_once(_moto: Any) -> None:
    wiring = Wiring(OrdersConfig.from_env({
        ENV_ORDERS_TABLE: "orders", "CATALOG_API_URL": "https://cat.example/prod/",
        "FULFILMENT_QUEUE_URL": "https://sqs.example/q", "AWS_REGION": "us-east-1"}))
    assert wiring.orders is wiring.orders
    assert isinstance(wiring.prices, CatalogPriceSource) and wiring.prices is wiring.prices
    assert wiring.payment_results is wiring.payment_results
