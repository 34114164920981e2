"""Lambda entry point for /orders. Dependencies are built on the first request, once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from stratus.runtime.tracing import traced
from stratus.shop.orders.api import build_orders_app
from stratus.shop.orders.config import OrdersConfig
from stratus.shop.orders.wiring import Wiring

logger = Logger(service="shop-orders-api")
_app: APIGatewayRestResolver | None = None


def app() -> APIGatewayRestResolver:
    global _app
    if _app is None:
        _app = build_orders_app(Wiring(OrdersConfig.from_env(), logger).api_dependencies())
    return _app


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().resolve(event, context)
