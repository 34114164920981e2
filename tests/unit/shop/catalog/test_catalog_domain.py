"""Prices as exact decimal strings, the v1/v2 views, and the price-route id parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError as ModelError

from stratus.runtime.errors import ValidationError
from stratus.shop.catalog import domain
from stratus.shop.catalog.domain import Product


def _product(**kw: object) -> Product:
    base: dict[str, object] = {"id": "mug", "name": "Mug", "price": Decimal("12.5")}
    return Product.model_validate({**base, **kw})


@pytest.mark.parametrize(
    ("value", "text"), [("12.5", "12.50"), ("4.13", "4.13"), ("7", "7.00"), ("0.005", "0.01")]
)
def test_money_is_major_units_with_two_places(value: str, text: str) -> None:
    assert domain.money(Decimal(value)) == text


def test_money_refuses_what_is_not_a_number() -> None:
    with pytest.raises(ValidationError):
        domain.money("twelve")


def test_v1_keeps_exactly_its_fields_and_v2_adds_currency_and_tags() -> None:
    product = _product(tags=("Kitchen", "gift", "kitchen"))
    assert domain.v1(product).model_dump() == {
        "id": "mug", "name": "Mug", "description": "", "price": "12.50",
    }  # fmt: skip
    v2 = domain.v2(product).model_dump()
    assert v2["currency"] == "USD" and v2["tags"] == ["gift", "kitchen"]
    assert {k: v2[k] for k in ("id", "name", "description", "price")} == domain.v1(
        product
    ).model_dump()


@pytest.mark.parametrize(
    "bad", [{"id": "Mug"}, {"price": Decimal("0")}, {"price": Decimal("1.001")}, {"name": ""}]
)
def test_invalid_products_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ModelError):
        _product(**bad)


def test_parse_ids_dedupes_in_order() -> None:
    assert domain.parse_ids(" b,a, b ,,") == ["b", "a"]


@pytest.mark.parametrize(
    "raw", [None, "", " , ", "UPPER", "a,b/c", ",".join(f"p{i}" for i in range(101))]
)
def test_parse_ids_refuses_empty_invalid_and_too_many(raw: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        domain.parse_ids(raw)
    assert caught.value.field == "ids"


def test_quote_splits_found_and_missing_in_the_order_asked() -> None:
    found = [_product(id="b", price=Decimal("4.13")), _product(id="a")]
    got = domain.quote(["a", "x", "b"], found)
    assert got.prices == {"a": "12.50", "b": "4.13"} and got.missing == ["x"]
