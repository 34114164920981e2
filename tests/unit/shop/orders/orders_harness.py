"""Shared helpers for the orders tests: API Gateway v1 events, SQS/stream events, fakes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from stratus.shop.orders.prices import CatalogUnavailableError, Quote
from stratus.shop.orders.results import OrderRef

ALICE = "11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
BOB = "22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
EMAILS = {ALICE: "alice@example.com", BOB: "bob@example.com"}
CATALOG = {"mug": Decimal("12.50"), "tee": Decimal("4.13"), "pen": Decimal("0.99")}
_NO_BODY = object()


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeCatalog:
    """A PriceSource over a dict; `down` makes it fail as the real adapter does."""

    def __init__(self, prices: Mapping[str, Decimal] = CATALOG) -> None:
        self.prices = dict(prices)
        self.down = False
        self.asked: list[list[str]] = []

    def quote(self, product_ids: Sequence[str]) -> Quote:
        self.asked.append(list(product_ids))
        if self.down:
            raise CatalogUnavailableError("catalog answered 503")
        known = {pid: self.prices[pid] for pid in product_ids if pid in self.prices}
        return Quote(prices=known, missing=[pid for pid in product_ids if pid not in known])


@dataclass
class RecordingFulfilment:
    scheduled: list[OrderRef] = field(default_factory=list)

    def schedule(self, ref: OrderRef) -> None:
        self.scheduled.append(ref)


@dataclass
class FakeLambdaContext:
    function_name: str = "orders"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orders"
    aws_request_id: str = "lambda-req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def api_event(method: str, path: str, body: Any = _NO_BODY, *, sub: str | None = ALICE,
              raw_body: str | None = None, query: dict[str, str] | None = None,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A REST API (v1) proxy event as API Gateway sends it after the Cognito authorizer."""
    text = raw_body if raw_body is not None else (None if body is _NO_BODY else json.dumps(body))
    context: dict[str, Any] = {"requestId": "apigw-1", "stage": "prod", "httpMethod": method,
                               "path": f"/prod{path}", "resourcePath": path,
                               "identity": {"sourceIp": "127.0.0.1"}}
    if sub is not None:
        context["authorizer"] = {"claims": {"sub": sub, "email": EMAILS.get(sub, ""),
                                            "token_use": "id"}}
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None, "stageVariables": None, "requestContext": context,
        "body": text, "isBase64Encoded": False,
    }


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def field(self) -> str | None:
        if not isinstance(self.body, dict):
            return None
        return (self.body.get("details") or {}).get("field")


def call(app: APIGatewayRestResolver, event: dict[str, Any]) -> Reply:
    raw = app.resolve(event, FakeLambdaContext())  # type: ignore[arg-type]
    text = raw.get("body")
    headers = dict(raw.get("headers") or {})
    for name, values in (raw.get("multiValueHeaders") or {}).items():
        headers.setdefault(name, values[0])
    return Reply(raw["statusCode"], headers,
                 json.loads(text) if text else None)


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {"Records": [
        {"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": body, "attributes": {},
         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}
        for i, body in enumerate(bodies)
    ]}


def payment_message(order_id: str, customer_id: str, outcome: str, *,
                    envelope: bool = True) -> str:
    message = json.dumps({"orderId": order_id, "customerId": customer_id,
                          "email": EMAILS.get(customer_id, ""), "total": "1.00",
                          "outcome": outcome})
    if not envelope:
        return message
    event_type = "PaymentSucceeded" if outcome == "succeeded" else "PaymentFailed"
    return json.dumps({
        "Type": "Notification", "MessageId": "n-1", "Message": message,
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:PaymentResults",
        "MessageAttributes": {"eventType": {"Type": "String", "Value": event_type},
                              "outcome": {"Type": "String", "Value": outcome}},
    })
