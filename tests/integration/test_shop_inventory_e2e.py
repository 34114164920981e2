"""Inventory in the whole shop (`stratus up --system shop`): a customer's order placed through
the orders API reserves its units in PostgreSQL (the outbox's `OrderPlaced` on the bus, the
inventory's queue, a Fargate task behind the local ALB), and a failed payment (a total ending
in .13) releases them; the stock is read through `InventoryUrl`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LocalCloudHandle, unique_email
from tests.integration.conftest import SHOP
from tests.integration.test_shop_e2e import orders_client, place, sign_up_and_in, wait_status
from tests.integration.test_shop_inventory import Inventory

pytestmark = [pytest.mark.integration, SHOP]
CHEAP = "paper-clips"  # priced 4.13: one of them is declined by the local payment stub
LAMP = "desk-lamp"
WAIT = 60.0


@pytest.fixture(scope="module")
def cloud(shop_cloud: LocalCloudHandle) -> LocalCloudHandle:
    return shop_cloud


def _eventually(check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.25)
    raise AssertionError(f"not met after {WAIT}s")


@pytest.fixture(scope="module")
def inventory(cloud: LocalCloudHandle) -> Inventory:
    service = Inventory(str(cloud.stack_output("InventoryUrl")), cloud.ca_pem)
    _eventually(lambda: service.get("/health").status_code == 200)
    return service


@pytest.fixture(scope="module")
def client(cloud: LocalCloudHandle) -> Any:
    return orders_client(cloud, sign_up_and_in(cloud, unique_email("stock")))


def _stock(inventory: Inventory, product: str) -> dict[str, int]:
    answer = inventory.get(f"/stock/{product}")
    assert answer.status_code == 200, answer.text
    body: dict[str, int] = answer.json()
    return body


def test_a_placed_order_reserves_its_units(
    cloud: LocalCloudHandle, inventory: Inventory, client: Any
) -> None:
    before = _stock(inventory, LAMP)
    order = place(client, (LAMP, 3))
    want = {"product_id": LAMP, "available": before["available"] - 3,
            "reserved": before["reserved"] + 3}  # fmt: skip
    _eventually(lambda: _stock(inventory, LAMP) == want)
    assert wait_status(client, order.id, "SHIPPED") == "SHIPPED"
    time.sleep(1.0)  # a duplicate delivery would have landed by now: reserved once
    assert _stock(inventory, LAMP) == want


def test_a_failed_payment_releases_what_the_order_reserved(
    cloud: LocalCloudHandle, inventory: Inventory, client: Any
) -> None:
    before = _stock(inventory, CHEAP)
    order = place(client, (CHEAP, 1))
    assert order.total.endswith(".13")
    assert wait_status(client, order.id, "PAYMENT_FAILED") == "PAYMENT_FAILED"
    # Reserved then released (or the release seen first: then nothing is ever reserved).
    _eventually(lambda: _stock(inventory, CHEAP) == before)
    time.sleep(1.0)
    assert _stock(inventory, CHEAP) == before
