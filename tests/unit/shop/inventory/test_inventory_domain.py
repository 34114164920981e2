"""Inventory's pure rules and the SQS bodies it understands."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from stratus.shop.catalog.domain import ID_PATTERN
from stratus.shop.catalog.samples import SAMPLES
from stratus.shop.inventory.domain import (
    PRODUCT_ID_PATTERN,
    InventoryError,
    Outcome,
    Status,
    Stock,
    decide,
    merge_lines,
    product_id,
    release_outcome,
)
from stratus.shop.inventory.events import (
    Ignore,
    MalformedMessageError,
    Release,
    Reserve,
    command,
)


def test_product_ids_follow_the_catalogs_rule() -> None:
    assert PRODUCT_ID_PATTERN == ID_PATTERN


@pytest.mark.parametrize("bad", ["", "../etc", "A-Upper", "-lead", "x" * 65, "a b", None, 7])
def test_bad_product_ids_are_refused(bad: object) -> None:
    with pytest.raises(InventoryError):
        product_id(bad)


def test_lines_of_one_product_are_added_up() -> None:
    assert merge_lines([("mug", 1), ("lamp", 2), ("mug", 3)]) == {"mug": 4, "lamp": 2}


@pytest.mark.parametrize(
    "lines", [[], [("mug", 0)], [("mug", -1)], [("mug", True)], [("mug", 1.5)], [("mug", 10**7)]]
)
def test_bad_lines_are_refused(lines: list[tuple[str, object]]) -> None:
    with pytest.raises(InventoryError):
        merge_lines(lines)


def test_an_order_fits_only_when_every_line_fits() -> None:
    stock = {"mug": Stock("mug", 3, 0), "lamp": Stock("lamp", 1, 4)}
    assert decide({"mug": 3, "lamp": 1}, stock).fits
    short = decide({"mug": 4, "lamp": 1, "clip": 1}, stock)
    assert not short.fits
    assert [s.product_id for s in short.shortfalls] == ["clip", "mug"]
    assert short.reason == "clip: wanted 1, available 0; mug: wanted 4, available 3"


def test_only_a_held_reservation_is_released() -> None:
    assert release_outcome(Status.RESERVED) is Outcome.RELEASED
    for status in (None, Status.REJECTED, Status.RELEASED):
        assert release_outcome(status) is Outcome.NOTHING_TO_RELEASE


def test_the_seed_migration_stocks_every_catalog_sample() -> None:
    seed = (
        resources.files("stratus.shop.inventory") / "migrations" / "0002_seed_sample_stock.sql"
    ).read_text()
    seeded = set(re.findall(r"\('([a-z0-9-]+)', \d+\)", seed))
    assert {p.id for p in SAMPLES} <= seeded


def _order_placed(detail: object, source: str = "stratus.shop.orders") -> str:
    return json.dumps(
        {
            "version": "0",
            "id": "e1",
            "source": source,
            "detail-type": "OrderPlaced",
            "detail": detail,
        }
    )


def test_an_order_placed_event_is_a_reservation() -> None:
    body = _order_placed(
        {
            "orderId": "o-1",
            "customerId": "c",
            "total": "3.00",
            "items": [
                {"productId": "mug", "quantity": 1, "unitPrice": "1.00", "lineTotal": "1.00"},
                {"productId": "mug", "quantity": 2, "unitPrice": "1.00", "lineTotal": "2.00"},
            ],
        }
    )
    assert command(body) == Reserve("o-1", {"mug": 3})


def test_a_payment_failure_is_a_release_raw_or_in_sns_envelope() -> None:
    result = {"orderId": "o-1", "customerId": "c", "outcome": "failed", "reason": "card"}
    assert command(json.dumps(result)) == Release("o-1")
    envelope = {"Type": "Notification", "Message": json.dumps(result)}
    assert command(json.dumps(envelope)) == Release("o-1")


def test_a_payment_success_is_ignored() -> None:
    assert isinstance(command(json.dumps({"orderId": "o-1", "outcome": "succeeded"})), Ignore)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        _order_placed({"orderId": "o", "items": []}),
        _order_placed({"orderId": "o", "items": [{"productId": "../x", "quantity": 1}]}),
        _order_placed({"orderId": "", "items": [{"productId": "mug", "quantity": 1}]}),
        _order_placed({"items": [{"productId": "mug", "quantity": 1}]}),
        _order_placed({"orderId": "o", "items": "mug"}),
        _order_placed({"orderId": "o", "items": [{"productId": "mug", "quantity": 1}]}, "evil"),
        _order_placed("detail"),
        json.dumps({"orderId": "o", "outcome": "maybe"}),
        json.dumps({"outcome": "failed"}),
        json.dumps({"Type": "Notification", "Message": "{"}),
    ],
)
def test_anything_else_is_malformed(body: str) -> None:
    with pytest.raises(MalformedMessageError):
        command(body)
