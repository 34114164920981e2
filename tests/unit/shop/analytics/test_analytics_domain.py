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
    assert fact == Viewed(Delta("p-a", page_views=1))


def test_payment_failed_names_its_order() -> None:
    assert parse(b'{"type": "PaymentFailed", "orderId": "o-9"}') == PaymentFailed("o-9")


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
    ],
)
def test_anything_else_is_a_bad_record(data: bytes) -> None:
    with pytest.raises(BadRecordError):
        parse(data)


def test_page_view_refuses_unknown_fields_and_long_paths() -> None:
    with pytest.raises(ValueError):
        PageView.model_validate({"productId": "p-a", "price": "1"})
    with pytest.raises(ValueError):
        PageView.model_validate({"productId": "p-a", "path": "/" * 600})


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
