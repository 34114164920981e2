"""The orders REST API: one Powertools resolver built from a `Dependencies` object.

Thin routes: who calls (Cognito claims put on the event by API Gateway's authorizer), the
prices (a `PriceSource`), the store. Validation and OpenAPI are Powertools'; errors become
HTTP in runtime/responses.py only. `Location` after POST is `/orders/{id}`, relative to
the stage, as in the to-do API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from stratus.runtime.auth import caller_sub, claims
from stratus.runtime.bodies import install_json_only_validation
from stratus.runtime.errors import ValidationError
from stratus.runtime.responses import (
    JSON,
    MAX_BODY_BYTES,
    cors_config,
    json_body_loader,
    json_response,
    register_error_handlers,
)
from stratus.shop.orders.domain import (
    ErrorBody,
    Order,
    OrderPage,
    PlaceOrder,
    is_order_id,
    price_lines,
)
from stratus.shop.orders.prices import PriceSource
from stratus.shop.orders.store import OrderStore

MAX_ORDER_BODY_BYTES = 16 * 1024  # 50 items of ~150 bytes fit many times over


@dataclass
class Dependencies:
    """What the routes need; callables so production builds clients lazily, once."""

    orders: Callable[[], OrderStore]
    prices: Callable[[], PriceSource]
    max_body_bytes: int = MAX_ORDER_BODY_BYTES
    cors: CORSConfig = field(default_factory=cors_config)
    logger: Any = None


def _responses(status: int, model: Any, *codes: int) -> dict[int, OpenAPIResponse]:
    texts = {
        400: "invalid input (quantity < 1, unknown product, malformed JSON...)",
        401: "missing or invalid ID token",
        404: "not found (or not yours)",
        413: f"request body larger than {MAX_ORDER_BODY_BYTES} bytes",
        502: "the catalog could not price the order",
        500: "internal error",
    }
    error = {JSON: {"model": ErrorBody}}
    out: dict[int, Any] = {
        status: {
            "description": "OK" if status == 200 else "created",
            "content": {JSON: {"model": model}},
        }
    }
    for code in (400, 401, *codes, 500):
        out[code] = {"description": texts[code], "content": error}
    return cast("dict[int, OpenAPIResponse]", out)


def caller_email(event: dict[str, Any]) -> str | None:
    """The ID token's `email` claim (the shop pool signs in by e-mail), if present."""
    email = claims(event).get("email")
    return email if isinstance(email, str) and email.strip() else None


def build_orders_app(deps: Dependencies) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True,
        cors=deps.cors,
        json_body_deserializer=json_body_loader(min(deps.max_body_bytes, MAX_BODY_BYTES)),
    )
    install_json_only_validation(app)  # bodies are JSON only: any other type is 415
    register_error_handlers(app, deps.logger)

    def sub() -> str:
        return caller_sub(app.current_event.raw_event)

    @app.post(
        "/orders",
        operation_id="place_order",
        summary="Place an order",
        responses=_responses(201, Order, 413, 502),
    )
    def place_order(body: PlaceOrder) -> Response[Order]:
        customer = sub()
        quote = deps.prices().quote(body.product_ids())
        lines, total = price_lines(body, quote.prices, quote.missing)
        email = caller_email(app.current_event.raw_event)
        order = deps.orders().place(customer, email, lines, total)
        return json_response(
            201, order.model_dump(mode="json"), {"Location": f"/orders/{order.id}"}
        )

    @app.get(
        "/orders",
        operation_id="list_orders",
        summary="My orders, newest first",
        responses=_responses(200, OrderPage),
    )
    def list_orders(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=64)] = None,
    ) -> OrderPage:
        if cursor is not None and not is_order_id(cursor):
            raise ValidationError("cursor is invalid", field="cursor")
        items, last = deps.orders().list(sub(), limit=limit, after=cursor)
        return OrderPage(items=items, next=last)

    @app.get(
        "/orders/<order_id>",
        operation_id="get_order",
        summary="One of my orders",
        responses=_responses(200, Order, 404),
    )
    def get_order(order_id: str) -> Order:
        return deps.orders().get(sub(), order_id)

    return app
