"""What a clickstream record means (pure) and the report made from an export."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from analytics_harness import order_placed

from stratus.shop.analytics.domain import (
    BadRecordError,
    Delta,
    PageView,
    PaymentFailed,
    Placed,
    Viewed,
    page_view_record,
    parse,
)
from stratus.shop.analytics.report import conversion, render_html, top_products


def test_order_placed_counts_one_order_per_product_with_units_and_revenue() -> None:
    event = order_placed("o-1", ("p-a", 2, "8.26"), ("p-b", 1, "12.50"), ("p-a", 1, "4.13"))
    fact = parse(json.dumps(event).encode())
    assert isinstance(fact, Placed)
    assert fact.lines.product_ids == ("p-a", "p-b")
    assert fact.deltas == (
        Delta("p-a", orders=1, units=3, revenue=Decimal("12.39")),
        Delta("p-b", orders=1, units=1, revenue=Decimal("12.50")),
    )


def test_page_view_record_round_trips_to_one_view() -> None:
    record = page_view_record(PageView(productId="p-a", path="/p/p-a"), "2026-11-30T00:00:00Z")
    fact = parse(json.dumps(record).encode())
    assert fact == Viewed(Delta("p-a", page_views=1), "2026-11-30")
    assert isinstance(fact, Viewed) and fact.claim("shardId-0:1") == "RECORD#shardId-0:1"


def test_a_client_event_id_is_the_views_claim() -> None:
    view = PageView(productId="p-a", eventId="3f2c0a4e-7d1b-4c8e-9a55-0f6f1d2b7c11")
    fact = parse(json.dumps(page_view_record(view, "2026-11-30T23:00:00-05:00")).encode())
    assert isinstance(fact, Viewed) and fact.day == "2026-12-01"
    assert fact.claim("shardId-0:1") == "VIEW#3f2c0a4e-7d1b-4c8e-9a55-0f6f1d2b7c11"


def test_payment_failed_names_its_order_and_day() -> None:
    fact = parse(b'{"type": "PaymentFailed", "orderId": "o-9", "at": "2026-11-30T10:00:00Z"}')
    assert fact == PaymentFailed("o-9", "2026-11-30") and fact.claim == "FAILED#o-9"


def test_a_record_without_a_time_takes_its_arrival_day() -> None:
    fact = parse(b'{"type": "PaymentFailed", "orderId": "o-9"}', arrived=1_796_083_199.0)
    assert fact == PaymentFailed("o-9", "2026-11-30")
    placed = order_placed("o-1", ("p-a", 1, "1.00"))
    del placed["detail"]["placedAt"]  # then the event's own time
    fact = parse(json.dumps(placed).encode(), arrived=0.0)
    assert isinstance(fact, Placed) and fact.day == "2026-11-30"


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe not utf-8",
        b"not json",
        b"[1, 2]",
        b'{"type": "Unknown"}',
        b'{"type": "PageView"}',
        b'{"type": "PageView", "productId": "../../etc"}',
        b'{"type": "PaymentFailed"}',
        json.dumps(order_placed("o-1", ("p-a", 0, "1.00"))).encode(),
        json.dumps(order_placed("o-1", ("p-a", 1, "NaN"))).encode(),
        json.dumps(order_placed("o-1")).encode(),
        json.dumps({"source": "stratus.shop.orders", "detail-type": "OrderPlaced"}).encode(),
        b'{"type": "PageView", "productId": "p-a", "at": "yesterday"}',
        b'{"type": "PageView", "productId": "p-a", "at": 12}',
        b'{"type": "PageView", "productId": "p-a", "eventId": "../../x", "at": "2026-11-30"}',
        b'{"type": "PaymentFailed", "orderId": "../../etc/passwd"}',
        b'{"type": "PaymentFailed", "orderId": 7}',
        json.dumps(order_placed("o-1", ("p-a", 1, "1.00"), placed="30/11/2026")).encode(),
        json.dumps(order_placed("../o", ("p-a", 1, "1.00"))).encode(),
        b"[" * 100_000,
    ],
)
def test_anything_else_is_a_bad_record(data: bytes) -> None:
    with pytest.raises(BadRecordError):
        parse(data)


@pytest.mark.parametrize(
    "body",
    [
        {"productId": "p-a", "price": "1"},
        {"productId": "p-a", "path": "/" * 600},
        {"productId": "p-a", "path": "no-slash"},
        {"productId": "p-a", "path": "/a\r\nSet-Cookie: x"},
        {"productId": "p-a", "eventId": "short"},
        {"productId": "p-a", "eventId": "a/b/../c-123456"},
        {"productId": 7},
        {"productId": ["p-a"]},
    ],
)
def test_page_view_refuses_unknown_fields_bad_paths_and_ids(body: dict) -> None:
    with pytest.raises(ValueError):
        PageView.model_validate(body)


EXPORT = {
    "date": "2026-11-30",
    "products": [
        {"productId": "cheap", "orders": 5, "units": 5, "revenue": "5.00", "paymentsFailed": 0,
         "pageViews": 50},
        {"productId": "dear", "orders": 1, "units": 1, "revenue": "99.00", "paymentsFailed": 1,
         "pageViews": 4},
        {"productId": "<b>unseen</b>", "orders": 0, "units": 0, "revenue": "0",
         "paymentsFailed": 0, "pageViews": 0},
    ],
}


def test_top_products_rank_by_revenue_then_orders() -> None:
    ranked = [p["productId"] for p in top_products(EXPORT["products"])]  # type: ignore[arg-type]
    assert ranked == ["dear", "cheap", "<b>unseen</b>"]


def test_conversion_is_orders_over_views_and_none_without_views() -> None:
    assert conversion({"orders": 1, "pageViews": 4}) == Decimal("25.0")
    assert conversion({"orders": 3, "pageViews": 0}) is None


def test_report_shows_totals_ranks_and_escapes_product_ids() -> None:
    page = render_html(EXPORT)
    assert "<h1>Shop report 2026-11-30</h1>" in page
    assert "6 orders, revenue 104.00; 54 page views; conversion (orders / page views) 11.1%" in page
    assert page.index("<td>dear</td>") < page.index("<td>cheap</td>")
    assert "<td>25.0%</td>" in page and "<td>10.0%</td>" in page
    assert "<b>unseen</b>" not in page and "&lt;b&gt;unseen&lt;/b&gt;" in page
