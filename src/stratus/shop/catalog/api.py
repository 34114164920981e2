"""The catalog's Powertools resolver: v1 and v2 reads and the services' price route.

One function serves every route of both versions (API Gateway decides who may call which:
`/v2/prices` is IAM-authorized there). v1 and v2 are two APIs on the base paths `v1` and
`v2` of a custom domain, and through a custom domain API Gateway sends the path with its
base path (`/v1/products`, `resource` being `/products`); without a domain one API holds
both trees and the path is the same: so the routes name `/v1/...` and `/v2/...`. Handlers
only parse, call the store and shape the version's view; errors become HTTP in
`runtime/responses.py`. Product reads send `Cache-Control` so
clients and any cache in front may keep them briefly (prices change rarely).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from stratus.runtime.errors import NotFoundError
from stratus.runtime.responses import (
    JSON,
    cors_config,
    json_body_loader,
    json_response,
    register_error_handlers,
)
from stratus.shop.catalog import domain
from stratus.shop.catalog.domain import ErrorBody, PriceQuote, Product, ProductPageV2
from stratus.shop.catalog.store import ProductStore

CACHE_CONTROL = "public, max-age=60"


@dataclass
class Dependencies:
    products: Callable[[], ProductStore]
    cors: CORSConfig = field(default_factory=cors_config)
    logger: Any = None


def _responses(model: Any, *codes: int) -> dict[int, OpenAPIResponse]:
    text = {400: "invalid input; `details.field` names it", 403: "unsigned or not allowed",
            404: "no such product"}  # fmt: skip
    out: dict[int, Any] = {200: {"description": "OK", "content": {JSON: {"model": model}}}}
    for code in codes:
        out[code] = {"description": text[code], "content": {JSON: {"model": ErrorBody}}}
    return cast("dict[int, OpenAPIResponse]", out)


def _found(store: ProductStore, product_id: str) -> Product:
    product = store.get(domain.check_id(product_id))
    if product is None:
        raise NotFoundError(f"no product {product_id!r}")
    return product


def _cached(body: Any) -> Response[Any]:
    return json_response(200, body.model_dump(), {"Cache-Control": CACHE_CONTROL})


def build_app(deps: Dependencies) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True, cors=deps.cors, json_body_deserializer=json_body_loader()
    )
    register_error_handlers(app, deps.logger)

    @app.get(
        "/v1/products",
        operation_id="list_products_v1",
        summary="Every product (v1)",
        responses=_responses(domain.ProductListV1),
    )
    def list_v1() -> Response[domain.ProductListV1]:
        products = [domain.v1(p) for p in deps.products().all()]
        return _cached(domain.ProductListV1(products=products))

    @app.get(
        "/v1/products/<product_id>",
        operation_id="get_product_v1",
        summary="One product (v1)",
        responses=_responses(domain.ProductV1, 400, 404),
    )
    def get_v1(product_id: str) -> Response[domain.ProductV1]:
        return _cached(domain.v1(_found(deps.products(), product_id)))

    @app.get(
        "/v2/products",
        operation_id="list_products_v2",
        summary="A page of products with currency and tags (v2)",
        responses=_responses(ProductPageV2, 400),
    )
    def list_v2(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=512)] = None,
    ) -> Response[ProductPageV2]:
        page, next_cursor = deps.products().page(limit, cursor)
        body = ProductPageV2(products=[domain.v2(p) for p in page], next_cursor=next_cursor)
        return _cached(body)

    @app.get(
        "/v2/products/<product_id>",
        operation_id="get_product_v2",
        summary="One product with currency and tags (v2)",
        responses=_responses(domain.ProductV2, 400, 404),
    )
    def get_v2(product_id: str) -> Response[domain.ProductV2]:
        return _cached(domain.v2(_found(deps.products(), product_id)))

    @app.get(
        "/v2/prices",
        operation_id="get_prices",
        summary="Current prices of up to 100 products (services, IAM-signed)",
        responses=_responses(PriceQuote, 400, 403),
    )
    def get_prices(ids: Annotated[str, Query(max_length=6500)]) -> PriceQuote:
        wanted = domain.parse_ids(ids)
        return domain.quote(wanted, deps.products().many(wanted))

    return app
