"""The shop end to end through one `stratus up --system shop`, as a customer and the SDKs
see it: sign up and in on the shop's Cognito pool, place orders with the generated orders
SDK (`stratus_orders_client`), watch the status move PLACED -> PAID -> SHIPPED (or
PAYMENT_FAILED for a total ending in .13, the local payment stub's decline) and find the
matching e-mail in the local SES inbox (`/_aws/ses?to=`); the catalog's v1 SDK calls keep
working beside v2; the running orders export is the committed SDK document."""

from __future__ import annotations

import importlib.util
import json
import secrets
import ssl
import sys
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, LocalCloudHandle, unique_email
from tests.integration.conftest import PASSWORD, SHOP, aws_client

pytestmark = [pytest.mark.integration, SHOP]
CHEAP = "paper-clips"  # the sample priced 4.13: one of them totals x.13 and is declined
MUG = "coffee-mug"
WAIT = 60.0  # seconds for a status or a mail; the chain takes ~1-5 s locally

_spec = importlib.util.spec_from_file_location("service_sdk", ROOT / "sdk" / "service_sdk.py")
assert _spec is not None and _spec.loader is not None
service_sdk: Any = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = service_sdk  # dataclasses look their module up there
_spec.loader.exec_module(service_sdk)


@pytest.fixture(scope="module")
def cloud(shop_cloud: LocalCloudHandle) -> LocalCloudHandle:
    return shop_cloud


def sign_up_and_in(cloud: LocalCloudHandle, email: str) -> str:
    """A new customer of the shop's pool (USER_PASSWORD_AUTH); returns the ID token."""
    idp = aws_client(cloud, "cognito-idp")
    client_id = cloud.stack_output("ShopUserPoolClientId")
    idp.sign_up(ClientId=client_id, Username=email, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": email}])  # fmt: skip
    idp.confirm_sign_up(ClientId=client_id, Username=email,
                        ConfirmationCode=cloud.confirmation_code(email))  # fmt: skip
    result = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})  # fmt: skip
    return str(result["AuthenticationResult"]["IdToken"])


def orders_client(cloud: LocalCloudHandle, id_token: str) -> Any:
    """The generated orders SDK, sending the raw ID token as the Authorization header."""
    from stratus_orders_client import AuthenticatedClient

    return AuthenticatedClient(
        base_url=str(cloud.stack_output("OrdersApiUrl")),
        token=id_token,
        prefix="",
        verify_ssl=ssl.create_default_context(cafile=str(cloud.ca_pem)),
        timeout=httpx.Timeout(35),
        raise_on_unexpected_status=True,
    )


def place(client: Any, *items: tuple[str, int]) -> Any:
    from stratus_orders_client.api.default import place_order
    from stratus_orders_client.models import Order, PlaceOrder, PlaceOrderItemRequest

    body = PlaceOrder(items=[PlaceOrderItemRequest(product_id=p, quantity=q) for p, q in items])
    order = place_order.sync(client=client, body=body)
    assert isinstance(order, Order), order
    return order


def wait_status(client: Any, order_id: str, want: str) -> str:
    from stratus_orders_client.api.default import get_order
    from stratus_orders_client.models import Order

    deadline, status = time.monotonic() + WAIT, ""
    while time.monotonic() < deadline:
        order = get_order.sync(order_id, client=client)
        assert isinstance(order, Order), order
        status = order.status.value
        if status == want:
            break
        time.sleep(0.25)
    return status


def product_counters(cloud: LocalCloudHandle, product: str) -> dict[str, Decimal]:
    """Analytics' per-product counters (numbers as decimals)."""
    item = (
        aws_client(cloud, "dynamodb")
        .get_item(
            TableName=str(cloud.stack_output("AnalyticsCountersTableName")),
            Key={"pk": {"S": f"PRODUCT#{product}"}},
            ConsistentRead=True,
        )
        .get("Item")
        or {}
    )
    return {k: Decimal(v["N"]) for k, v in item.items() if "N" in v}


def inbox(cloud: LocalCloudHandle, to: str) -> list[dict[str, Any]]:
    resp = httpx.get(f"{cloud.aws_endpoint}/_aws/ses", params={"to": to}, timeout=10)
    resp.raise_for_status()
    return list(resp.json()["messages"])


def wait_mail(cloud: LocalCloudHandle, to: str, subject: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for mail in inbox(cloud, to):
            if mail["Subject"] == subject:
                return mail
        time.sleep(0.25)
    raise AssertionError(f"no mail {subject!r} to {to} after {WAIT}s:\n{cloud.log_tail()}")


@pytest.fixture(scope="module")
def product(cloud: LocalCloudHandle) -> str:
    """A product of this module's own, priced as the mug, put in the catalog's table: the
    other shop modules on the same cloud order the samples, so only this module's orders
    move its analytics counters."""
    product_id = f"e2e-mug-{secrets.token_hex(4)}"
    aws_client(cloud, "dynamodb").put_item(
        TableName=str(cloud.stack_output("CatalogTableName")),
        Item={
            "id": {"S": product_id},
            "name": {"S": "E2E mug"},
            "description": {"S": "Only the e2e module orders it."},
            "price": {"N": "12.50"},
            "currency": {"S": "USD"},
            "tags": {"L": [{"S": "kitchen"}]},
        },
    )
    return product_id


@pytest.fixture(scope="module")
def customer(cloud: LocalCloudHandle) -> tuple[str, Any]:
    email = unique_email("shopper")
    return email, orders_client(cloud, sign_up_and_in(cloud, email))


def test_a_paid_order_ships_and_the_customer_gets_the_mail(
    cloud: LocalCloudHandle, customer: tuple[str, Any], product: str
) -> None:
    email, client = customer
    before = product_counters(cloud, product)
    order = place(client, (product, 2))
    assert order.status.value == "PLACED" and not order.total.endswith(".13")
    assert wait_status(client, order.id, "PAID") in ("PAID", "SHIPPED")
    assert wait_status(client, order.id, "SHIPPED") == "SHIPPED"
    mail = wait_mail(cloud, email, f"Payment received for order {order.id}")
    assert mail["Source"] == cloud.stack_output("ShopMailFrom")
    assert order.total in mail["Body"]["text_part"] and "succeeded" in mail["Body"]["text_part"]

    from stratus_orders_client.api.default import list_orders
    from stratus_orders_client.models import OrderPage

    page = list_orders.sync(client=client)
    assert isinstance(page, OrderPage) and order.id in [o.id for o in page.items]
    # Counted once by analytics (the outbox's OrderPlaced through the clickstream).
    want = {
        "orders": before.get("orders", 0) + 1,
        "units": before.get("units", 0) + 2,
        "revenue": before.get("revenue", 0) + Decimal(order.total),
    }
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        now = product_counters(cloud, product)
        if all(now.get(k) == v for k, v in want.items()):
            break
        time.sleep(0.25)
    assert {k: now.get(k) for k in want} == want
    time.sleep(1.0)  # a second delivery would land by now: still counted once
    assert {k: product_counters(cloud, product).get(k) for k in want} == want


def test_a_total_ending_in_13_fails_payment_and_mails_the_failure(
    cloud: LocalCloudHandle, customer: tuple[str, Any]
) -> None:
    email, client = customer
    order = place(client, (CHEAP, 1))
    assert order.total.endswith(".13")
    assert wait_status(client, order.id, "PAYMENT_FAILED") == "PAYMENT_FAILED"
    mail = wait_mail(cloud, email, f"Payment failed for order {order.id}")
    assert order.total in mail["Body"]["text_part"]
    assert not [m for m in inbox(cloud, email) if m["Subject"].endswith(order.id)
                and m["Subject"].startswith("Payment received")]  # fmt: skip


def test_the_sdk_reports_the_apis_4xx_as_models(
    cloud: LocalCloudHandle, customer: tuple[str, Any]
) -> None:
    from stratus_orders_client.api.default import get_order, place_order
    from stratus_orders_client.models import ErrorBody, PlaceOrder, PlaceOrderItemRequest

    _, client = customer
    bad = place_order.sync(client=client, body=PlaceOrder(
        items=[PlaceOrderItemRequest(product_id="no-such-product", quantity=1)]))  # fmt: skip
    assert isinstance(bad, ErrorBody) and bad.error == "ValidationError"
    other = orders_client(cloud, sign_up_and_in(cloud, unique_email("other")))
    mine = place(client, (MUG, 1))
    theirs = get_order.sync(mine.id, client=other)
    assert isinstance(theirs, ErrorBody) and theirs.error == "NotFound"


def test_catalog_v1_sdk_still_works_beside_v2(cloud: LocalCloudHandle) -> None:
    from stratus_catalog_client import Client
    from stratus_catalog_client.api.default import get_product_v1, list_products_v1
    from stratus_catalog_client.models import ProductListV1, ProductV1

    base = str(cloud.stack_output("CatalogApiUrl"))
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    client = Client(base_url=base, verify_ssl=verify, timeout=httpx.Timeout(30))
    listed = list_products_v1.sync(client=client)
    assert isinstance(listed, ProductListV1) and {MUG, CHEAP} <= {p.id for p in listed.products}
    one = get_product_v1.sync(CHEAP, client=client)
    assert isinstance(one, ProductV1) and one.price == "4.13"
    assert set(one.to_dict()) == {"id", "name", "description", "price"}
    v2 = httpx.get(f"{base}v2/products/{CHEAP}", verify=verify, timeout=30).json()
    assert v2["price"] == "4.13" and "currency" in v2  # v2 adds fields; v1 above unchanged


def test_the_running_orders_export_is_the_committed_sdk_document(cloud: LocalCloudHandle) -> None:
    service = service_sdk.SERVICES["orders"]
    url = str(cloud.stack_output("OrdersApiUrl"))
    api_id, stage = url.split("/restapis/", 1)[1].strip("/").split("/")[:2]
    out = aws_client(cloud, "apigateway").get_export(
        restApiId=api_id, stageName=stage, exportType="oas30", accepts="application/json"
    )
    live = service.canonical(json.loads(out["body"].read()))
    assert live == json.loads(service.spec_file.read_text()), (
        "orders API changed: run sdk/service_sdk.py orders --export <new export>"
    )
