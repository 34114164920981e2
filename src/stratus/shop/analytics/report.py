"""The daily report from one export: top products and page-view -> order conversion. Pure.

HTML with every value escaped (product ids come from clients' page views). Conversion is
orders / page views per product; a product with orders but no recorded view has none (shown
as "-"), never a division by zero.
"""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

TOP = 10


def conversion(product: dict[str, Any]) -> Decimal | None:
    views = int(product.get("pageViews", 0))
    if views <= 0:
        return None
    return (Decimal(int(product.get("orders", 0))) / Decimal(views) * 100).quantize(Decimal("0.1"))


def top_products(products: list[dict[str, Any]], limit: int = TOP) -> list[dict[str, Any]]:
    """By revenue, then orders, then page views, then id (a stable order for ties)."""
    return sorted(
        products,
        key=lambda p: (
            -Decimal(str(p.get("revenue", "0"))),
            -int(p.get("orders", 0)),
            -int(p.get("pageViews", 0)),
            str(p.get("productId")),
        ),
    )[:limit]


def render_html(export: dict[str, Any]) -> str:
    products = list(export.get("products") or [])
    day = html.escape(str(export.get("date", "")))
    views = sum(int(p.get("pageViews", 0)) for p in products)
    orders = sum(int(p.get("orders", 0)) for p in products)
    revenue = sum((Decimal(str(p.get("revenue", "0"))) for p in products), Decimal("0"))
    overall = f"{Decimal(orders) / Decimal(views) * 100:.1f}%" if views else "-"
    rows = []
    for rank, product in enumerate(top_products(products), start=1):
        rate = conversion(product)
        cells = (
            str(rank),
            str(product.get("productId", "")),
            str(product.get("orders", 0)),
            str(product.get("units", 0)),
            str(product.get("revenue", "0")),
            str(product.get("paymentsFailed", 0)),
            str(product.get("pageViews", 0)),
            "-" if rate is None else f"{rate}%",
        )
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = (
        "#",
        "product",
        "orders",
        "units",
        "revenue",
        "payments failed",
        "page views",
        "conversion",
    )
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>Shop report {day}</title></head><body>",
            f"<h1>Shop report {day}</h1>",
            f"<p>{len(products)} products; {orders} orders, revenue {revenue}; "
            f"{views} page views; conversion (orders / page views) {overall}.</p>",
            "<h2>Top products</h2>",
            "<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>",
            *rows,
            "</tbody></table></body></html>",
            "",
        ]
    )
