"""Money, pricing and the status machine: pure functions, no AWS."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stratus.shop.orders.domain import (
    Move,
    OrderIds,
    OrderStatus,
    PlaceOrder,
    UnknownProductError,
    is_order_id,
    money,
    parse_money,
    plan_transition,
    price_lines,
)

S = OrderStatus


def test_totals_are_exact_decimals() -> None:
    request = PlaceOrder.model_validate({"items": [{"product_id": "a", "quantity": 3}]})
    lines, total = price_lines(request, {"a": Decimal("4.10")}, [])
    assert total == Decimal("12.30") and money(total) == "12.30"  # float: 12.299999...
    assert lines[0].line_total == "12.30" and lines[0].unit_price == "4.10"


def test_unknown_products_are_all_named() -> None:
    request = PlaceOrder.model_validate(
        {"items": [{"product_id": "a", "quantity": 1}, {"product_id": "b", "quantity": 1},
                   {"product_id": "c", "quantity": 1}]})
    with pytest.raises(UnknownProductError) as caught:
        price_lines(request, {"a": Decimal(1)}, ["b"])  # c: not answered at all
    assert caught.value.status == 400
    assert caught.value.details["unknown"] == ["b", "c"]


@pytest.mark.parametrize("text", ["1e400", "NaN", "-1", "abc", "Infinity", "1.001", ""])
def test_bad_prices_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_money(text)


def test_good_prices_are_kept() -> None:
    assert [money(parse_money(t)) for t in ("4.13", "0", "12.5", "7")] == [
        "4.13", "0.00", "12.50", "7.00"]


def test_price_must_be_a_string() -> None:
    for value in (1.5, 2, None, True):
        with pytest.raises(ValueError):
            parse_money(value)


@pytest.mark.parametrize(
    ("current", "target", "move"),
    [
        (S.PLACED, S.PAID, Move.APPLY),
        (S.PLACED, S.PAYMENT_FAILED, Move.APPLY),
        (S.PAID, S.SHIPPED, Move.APPLY),
        (S.PAID, S.PAID, Move.ALREADY),
        (S.SHIPPED, S.PAID, Move.ALREADY),  # a late duplicate of the payment result
        (S.SHIPPED, S.SHIPPED, Move.ALREADY),
        (S.PAYMENT_FAILED, S.PAYMENT_FAILED, Move.ALREADY),
        (S.PAYMENT_FAILED, S.PAID, Move.REFUSED),
        (S.PAID, S.PAYMENT_FAILED, Move.REFUSED),
        (S.PLACED, S.SHIPPED, Move.REFUSED),  # never ship unpaid
        (S.PAYMENT_FAILED, S.SHIPPED, Move.REFUSED),
    ],
)
def test_status_machine(current: OrderStatus, target: OrderStatus, move: Move) -> None:
    assert plan_transition(current, target) is move


def test_ids_are_ulids_in_creation_order_even_within_a_millisecond() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 1, 1, tzinfo=UTC)
    ids = OrderIds(lambda: moment, lambda n: b"\xff" * n)
    made = [ids() for _ in range(5)]
    assert made == sorted(made) and len(set(made)) == 5
    assert all(is_order_id(i) for i in made)
    assert not is_order_id("01HZZZZZZZZZZZZZZZZZZZZZZI")  # I is not Crockford
