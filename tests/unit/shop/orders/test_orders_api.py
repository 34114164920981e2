"""The orders API through Powertools, over moto: place, read, list, and every bad input."""

from __future__ import annotations

import json
from typing import Any

from orders_harness import ALICE, BOB, FakeCatalog, api_event, call

from stratus.shop.orders.api import MAX_ORDER_BODY_BYTES


def place(app: Any, items: list[dict[str, Any]], sub: str = ALICE) -> Any:
    return call(app, api_event("POST", "/orders", {"items": items}, sub=sub))


def test_place_order_prices_it_from_the_catalog(orders_app: Any, catalog: FakeCatalog) -> None:
    reply = place(orders_app, [{"product_id": "mug", "quantity": 2},
                               {"product_id": "tee", "quantity": 3}])
    assert reply.status == 201
    order = reply.body
    assert order["status"] == "PLACED"
    assert order["total"] == "37.39"  # 2 x 12.50 + 3 x 4.13, exact in decimal
    assert order["items"] == [
        {"product_id": "mug", "quantity": 2, "unit_price": "12.50", "line_total": "25.00"},
        {"product_id": "tee", "quantity": 3, "unit_price": "4.13", "line_total": "12.39"},
    ]
    assert order["created_at"].endswith("Z")
    assert reply.headers["Location"] == f"/orders/{order['id']}"
    assert catalog.asked == [["mug", "tee"]]


def test_placed_order_reads_back_and_lists(orders_app: Any) -> None:
    first = place(orders_app, [{"product_id": "pen", "quantity": 1}]).body
    second = place(orders_app, [{"product_id": "mug", "quantity": 1}]).body
    got = call(orders_app, api_event("GET", f"/orders/{first['id']}"))
    assert got.status == 200 and got.body == first
    listed = call(orders_app, api_event("GET", "/orders"))
    assert listed.status == 200
    assert [o["id"] for o in listed.body["items"]] == [second["id"], first["id"]]
    assert listed.body["next"] is None


def test_list_pages_with_a_cursor(orders_app: Any, cloud: Any) -> None:
    ids = []
    for _ in range(3):
        ids.append(place(orders_app, [{"product_id": "pen", "quantity": 1}]).body["id"])
        cloud.clock.advance(1)
    page = call(orders_app, api_event("GET", "/orders", query={"limit": "2"})).body
    assert [o["id"] for o in page["items"]] == ids[:0:-1]
    rest = call(orders_app, api_event("GET", "/orders",
                                      query={"limit": "2", "cursor": page["next"]})).body
    assert [o["id"] for o in rest["items"]] == [ids[0]] and rest["next"] is None


def test_other_customers_order_is_404(orders_app: Any) -> None:
    mine = place(orders_app, [{"product_id": "pen", "quantity": 1}]).body
    theirs = call(orders_app, api_event("GET", f"/orders/{mine['id']}", sub=BOB))
    assert theirs.status == 404 and theirs.body["error"] == "NotFound"
    assert call(orders_app, api_event("GET", "/orders", sub=BOB)).body["items"] == []


def test_unknown_or_malformed_order_id_is_404(orders_app: Any) -> None:
    for order_id in ("01HZZZZZZZZZZZZZZZZZZZZZZZ", "nope", "x" * 300):
        assert call(orders_app, api_event("GET", f"/orders/{order_id}")).status == 404


def test_quantity_below_one_is_400(orders_app: Any) -> None:
    for quantity in (0, -1):
        reply = place(orders_app, [{"product_id": "pen", "quantity": quantity}])
        assert reply.status == 400 and reply.field == "items"


def test_non_integer_quantity_is_400(orders_app: Any) -> None:
    for quantity in (1.5, "2", None, True, 10**6):
        assert place(orders_app, [{"product_id": "pen", "quantity": quantity}]).status == 400


def test_unknown_product_is_400_naming_it(orders_app: Any, store: Any, cloud: Any) -> None:
    reply = place(orders_app, [{"product_id": "pen", "quantity": 1},
                               {"product_id": "ghost", "quantity": 1}])
    assert reply.status == 400
    assert reply.body["details"] == {"field": "items", "unknown": ["ghost"]}
    assert cloud.dynamodb.scan(TableName="orders")["Items"] == []  # nothing written


def test_malformed_json_is_400(orders_app: Any) -> None:
    for raw in ("{", "[1,", "not json", '{"items": [}'):
        reply = call(orders_app, api_event("POST", "/orders", raw_body=raw))
        assert reply.status == 400, raw
        assert reply.body["error"] == "ValidationError"


def test_bad_shapes_are_400(orders_app: Any) -> None:
    bodies: list[Any] = [
        {}, {"items": []}, {"items": "mug"}, [], "x", {"items": [{"quantity": 1}]},
        {"items": [{"product_id": "", "quantity": 1}]},
        {"items": [{"product_id": "mug", "quantity": 1, "price": "0.01"}]},
        {"items": [{"product_id": "mug", "quantity": 1}], "total": "0.01"},
        {"items": [{"product_id": "mug", "quantity": 1}, {"product_id": "mug", "quantity": 2}]},
        {"items": [{"product_id": "pen", "quantity": 1}] * 51},
        {"items": [{"product_id": "a/b", "quantity": 1}]},
    ]
    for body in bodies:
        reply = call(orders_app, api_event("POST", "/orders", body))
        assert reply.status == 400, body


def test_oversized_body_is_413(orders_app: Any) -> None:
    raw = json.dumps({"items": [{"product_id": "pen", "quantity": 1}],
                      "pad": "x" * MAX_ORDER_BODY_BYTES})
    reply = call(orders_app, api_event("POST", "/orders", raw_body=raw))
    assert reply.status == 413 and reply.body["error"] == "PayloadTooLarge"


def test_non_json_content_type_is_415(orders_app: Any) -> None:
    event = api_event("POST", "/orders", raw_body="items=1",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert call(orders_app, event).status == 415


def test_missing_claims_is_401(orders_app: Any) -> None:
    assert call(orders_app, api_event("GET", "/orders", sub=None)).status == 401
    reply = call(orders_app, api_event("POST", "/orders",
                                       {"items": [{"product_id": "pen", "quantity": 1}]},
                                       sub=None))
    assert reply.status == 401


def test_catalog_down_is_502_and_writes_nothing(orders_app: Any, catalog: FakeCatalog,
                                                cloud: Any) -> None:
    catalog.down = True
    reply = place(orders_app, [{"product_id": "pen", "quantity": 1}])
    assert reply.status == 502 and reply.body["error"] == "CatalogUnavailable"
    assert cloud.dynamodb.scan(TableName="orders")["Items"] == []


def test_bad_list_parameters_are_400(orders_app: Any) -> None:
    for query in ({"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"cursor": "not-an-id"}):
        assert call(orders_app, api_event("GET", "/orders", query=query)).status == 400, query


def test_stored_item_carries_customer_and_email(orders_app: Any, cloud: Any) -> None:
    order = place(orders_app, [{"product_id": "pen", "quantity": 1}]).body
    (item,) = cloud.dynamodb.scan(TableName="orders")["Items"]
    assert item["pk"] == {"S": ALICE} and item["sk"] == {"S": f"order#{order['id']}"}
    assert item["email"] == {"S": "alice@example.com"}
    assert item["customer_id"] == {"S": ALICE}
