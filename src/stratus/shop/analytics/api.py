"""`POST /events/page-views`: a client reports a product page view; 202 once it is on the
clickstream. Validation is Powertools' (pydantic `PageView`, unknown fields refused); errors
become HTTP in runtime/responses.py. Partition key: the product id, so one product's views
stay in order on one shard. The view's time is the server's (a client cannot date a view
into another day); a client's optional `eventId`, kept across its retries, makes a retried
view count once (counters.py). The route is public (anonymous shoppers): its guards are its
own throttle (the stack), `MAX_BODY_BYTES` and the model.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from stratus.runtime.bodies import install_json_only_validation
from stratus.runtime.responses import (
    cors_config,
    json_body_loader,
    json_response,
    register_error_handlers,
)
from stratus.shop.analytics.domain import PageView, page_view_record

MAX_BODY_BYTES = 2048


class StreamWriter(Protocol):
    def put(self, record: dict[str, Any], partition_key: str) -> str: ...


def build_page_view_app(
    stream: Callable[[], StreamWriter], logger: Any = None
) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True,
        cors=cors_config(),
        json_body_deserializer=json_body_loader(MAX_BODY_BYTES),
    )
    install_json_only_validation(app)  # bodies are JSON only: any other type is 415
    register_error_handlers(app, logger)

    @app.post("/events/page-views")
    def post_page_view(view: PageView) -> Any:
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        sequence = stream().put(page_view_record(view, at), view.product_id)
        return json_response(202, {"accepted": True, "sequenceNumber": sequence})

    return app
