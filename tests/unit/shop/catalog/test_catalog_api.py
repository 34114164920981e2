"""The catalog resolver over moto: v1 and v2 reads, pagination, prices, bad input -> 4xx."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from stratus.shop.catalog.samples import DECLINED_SAMPLE, SAMPLES
from stratus.shop.catalog.store import ProductStore


def test_v1_lists_every_sample_sorted_with_v1_fields(call: Any) -> None:
    reply = call("GET", "/v1/products")
    assert reply.status == 200
    ids = [p["id"] for p in reply.body["products"]]
    assert ids == sorted(s.id for s in SAMPLES)
    assert all(set(p) == {"id", "name", "description", "price"} for p in reply.body["products"])
    assert reply.headers["Cache-Control"] == "public, max-age=60"


def test_one_sample_is_priced_4_13(call: Any) -> None:
    reply = call("GET", f"/v1/products/{DECLINED_SAMPLE}")
    assert reply.status == 200 and reply.body["price"] == "4.13"


def test_v2_pages_through_every_product_once(call: Any) -> None:
    seen: list[str] = []
    query: dict[str, str] = {"limit": "3"}
    while True:
        reply = call("GET", "/v2/products", query)
        assert reply.status == 200
        assert len(reply.body["products"]) <= 3
        seen += [p["id"] for p in reply.body["products"]]
        if not reply.body["next_cursor"]:
            break
        query = {"limit": "3", "cursor": reply.body["next_cursor"]}
    assert sorted(seen) == sorted(s.id for s in SAMPLES)


def test_v2_product_has_currency_and_tags(call: Any) -> None:
    body = call("GET", "/v2/products/coffee-mug").body
    assert body["currency"] == "USD" and body["tags"] == ["gift", "kitchen"]


def test_prices_name_found_and_missing(call: Any) -> None:
    reply = call("GET", "/v2/prices", {"ids": "notebook,ghost,paper-clips"})
    assert reply.status == 200
    assert reply.body == {
        "prices": {"notebook": "9.90", "paper-clips": "4.13"},
        "missing": ["ghost"],
    }


def test_a_price_change_is_seen_by_the_next_quote(
    call: Any, store: ProductStore, dynamodb: Any
) -> None:
    dynamodb.update_item(
        TableName="products", Key={"id": {"S": "notebook"}},
        UpdateExpression="SET price = :p", ExpressionAttributeValues={":p": {"N": "10.1"}},
    )  # fmt: skip
    assert call("GET", "/v2/prices", {"ids": "notebook"}).body["prices"] == {"notebook": "10.10"}


def test_unknown_product_is_404(call: Any) -> None:
    reply = call("GET", "/v2/products/ghost")
    assert reply.status == 404 and reply.body["error"] == "NotFound"


def _cursor(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/v1/products/Bad Id", None, "id"),
        ("/v2/products", {"limit": "0"}, "limit"),
        ("/v2/products", {"limit": "101"}, "limit"),
        ("/v2/products", {"limit": "many"}, "limit"),
        ("/v2/products", {"cursor": "%%%"}, "cursor"),
        ("/v2/products", {"cursor": "eyJ4IjoxfQ"}, "cursor"),  # {"x":1}: not ours
        ("/v2/products", {"cursor": _cursor({"id": "no-such-product"})}, "cursor"),  # forged
        ("/v2/products", {"cursor": _cursor({"id": "coffee-mug", "admin": True})}, "cursor"),
        ("/v2/products", {"cursor": _cursor({"id": "../../etc"})}, "cursor"),
        ("/v2/products", {"cursor": _cursor({"id": 7})}, "cursor"),
        ("/v2/products", {"limit": "-5"}, "limit"),
        ("/v2/products", {"limit": "9" * 40}, "limit"),
        ("/v2/products", {"limit": "2.5"}, "limit"),
        ("/v2/prices", None, "ids"),
        ("/v2/prices", {"ids": ""}, "ids"),
        ("/v2/prices", {"ids": "a,B"}, "ids"),
    ],
)
def test_bad_input_is_400_naming_the_field(
    call: Any, path: str, query: dict[str, str] | None, field: str
) -> None:
    reply = call("GET", path, query)
    assert reply.status == 400, reply.body
    assert reply.body["error"] == "ValidationError" and reply.field == field


def test_unknown_route_is_a_json_404(call: Any) -> None:
    reply = call("GET", "/v3/products")
    assert reply.status == 404


def test_a_cursor_this_api_returned_still_pages_after_the_existence_check(call: Any) -> None:
    first = call("GET", "/v2/products", {"limit": "1"})
    nxt = call("GET", "/v2/products", {"limit": "1", "cursor": first.body["next_cursor"]})
    assert nxt.status == 200 and nxt.body["products"][0]["id"] != first.body["products"][0]["id"]
