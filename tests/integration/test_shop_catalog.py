"""The catalog through the running cloud (`stratus up --system shop`): public v1 and v2
reads over HTTPS, v1's shape untouched by v2, the IAM-signed price route (unsigned and
forged requests refused by the gateway, a signed one answered), the sample priced 4.13,
and clear 4xx answers to bad input."""

from __future__ import annotations

import importlib.util
import json
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials
from stratus_catalog_client.signing import SigV4

from tests.conftest import ROOT, LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client

_spec = importlib.util.spec_from_file_location("service_sdk", ROOT / "sdk" / "service_sdk.py")
assert _spec is not None and _spec.loader is not None
service_sdk = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = service_sdk  # dataclasses look their module up there
_spec.loader.exec_module(service_sdk)
catalog_sdk = service_sdk.SERVICES["catalog"]

V1_FIELDS = {"id", "name", "description", "price"}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    state: Path = tmp_path_factory.mktemp("shop-cloud")
    proc, handle = start_local_cloud(state, extra_args=["--system", "shop"])
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


@pytest.fixture(scope="module")
def catalog(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    base = str(cloud.stack_output("CatalogApiUrl"))
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with httpx.Client(base_url=base, verify=verify, timeout=30) as client:
        yield client


def test_catalog_url_is_the_base_url_without_a_version(cloud: LocalCloudHandle) -> None:
    url = str(cloud.stack_output("CatalogApiUrl"))
    assert url.startswith("https://127.0.0.1:") and url.endswith("/")
    assert "/v1" not in url and "/v2" not in url


def test_v1_lists_the_samples_with_v1_fields_only(catalog: httpx.Client) -> None:
    resp = catalog.get("v1/products")
    assert resp.status_code == 200, resp.text
    products = resp.json()["products"]
    assert len(products) >= 4
    assert all(set(p) == V1_FIELDS for p in products)
    assert [p["id"] for p in products] == sorted(p["id"] for p in products)


def test_the_sample_priced_4_13_is_there(catalog: httpx.Client) -> None:
    resp = catalog.get("v1/products/paper-clips")
    assert resp.status_code == 200, resp.text
    assert resp.json()["price"] == "4.13"


def test_v2_adds_currency_tags_and_a_cursor_without_changing_v1_fields(
    catalog: httpx.Client,
) -> None:
    first = catalog.get("v2/products", params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["products"]) == 2 and page["next_cursor"]
    seen = [p["id"] for p in page["products"]]
    cursor = page["next_cursor"]
    while cursor:
        nxt = catalog.get("v2/products", params={"limit": 2, "cursor": cursor}).json()
        seen += [p["id"] for p in nxt["products"]]
        cursor = nxt["next_cursor"]
    assert sorted(seen) == sorted(p["id"] for p in catalog.get("v1/products").json()["products"])
    one_v2 = catalog.get("v2/products/coffee-mug").json()
    one_v1 = catalog.get("v1/products/coffee-mug").json()
    assert {k: one_v2[k] for k in V1_FIELDS} == one_v1
    assert one_v2["currency"] == "USD" and one_v2["tags"] == ["gift", "kitchen"]


def test_unsigned_price_requests_are_refused_by_the_gateway(catalog: httpx.Client) -> None:
    resp = catalog.get("v2/prices", params={"ids": "paper-clips"})
    assert resp.status_code == 403
    assert "Missing Authentication Token" in resp.json()["message"]


def test_a_forged_signature_is_refused(catalog: httpx.Client) -> None:
    forged = SigV4("us-east-1", Credentials("test", "not-the-secret"))
    resp = catalog.get("v2/prices", params={"ids": "paper-clips"}, auth=forged)
    assert resp.status_code == 403
    assert "signature" in resp.json()["message"].lower()


def test_a_signed_price_request_gets_prices_and_missing_ids(catalog: httpx.Client) -> None:
    signed = SigV4("us-east-1", Credentials("test", "test"))
    resp = catalog.get("v2/prices", params={"ids": "paper-clips,coffee-mug,nope"}, auth=signed)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "prices": {"paper-clips": "4.13", "coffee-mug": "12.50"},
        "missing": ["nope"],
    }


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("v1/products/no-such-thing", {}, 404),
        ("v1/products/NOT%20AN%20ID", {}, 400),
        ("v2/products", {"limit": "0"}, 400),
        ("v2/products", {"limit": "ten"}, 400),
        ("v2/products", {"cursor": "!!garbage!!"}, 400),
    ],
)
def test_bad_input_is_a_clear_4xx(
    catalog: httpx.Client, path: str, params: dict[str, str], status: int
) -> None:
    resp = catalog.get(path, params=params)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"] in ("ValidationError", "NotFound")


def test_bad_price_ids_are_400_even_when_signed(catalog: httpx.Client) -> None:
    signed = SigV4("us-east-1", Credentials("test", "test"))
    for ids in ("", "UPPER", ",".join(f"p{i}" for i in range(101))):
        resp = catalog.get("v2/prices", params={"ids": ids}, auth=signed)
        assert resp.status_code == 400, (ids[:20], resp.text)
        assert resp.json()["details"]["field"] == "ids"


# -- the generated SDK and the export it comes from ---------------------------------------
def _sdk_client(cloud: LocalCloudHandle, **httpx_args: object) -> Any:
    from stratus_catalog_client import Client

    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    return Client(
        base_url=str(cloud.stack_output("CatalogApiUrl")),
        verify_ssl=verify,
        timeout=httpx.Timeout(30),
        httpx_args=dict(httpx_args),
    )


def test_the_running_export_is_the_committed_sdk_document(cloud: LocalCloudHandle) -> None:
    url = str(cloud.stack_output("CatalogApiUrl"))
    api_id, stage = url.split("/restapis/", 1)[1].strip("/").split("/")[:2]
    out = aws_client(cloud, "apigateway").get_export(
        restApiId=api_id, stageName=stage, exportType="oas30", accepts="application/json"
    )
    live = catalog_sdk.canonical(json.loads(out["body"].read()))
    committed = json.loads(catalog_sdk.spec_file.read_text())
    assert live == committed, "API changed: run sdk/service_sdk.py catalog --export <new export>"


def test_the_v1_sdk_client_reads_products(cloud: LocalCloudHandle) -> None:
    from stratus_catalog_client.api.default import get_product_v1, list_products_v1
    from stratus_catalog_client.models import ProductListV1, ProductV1

    client = _sdk_client(cloud)
    listed = list_products_v1.sync(client=client)
    assert isinstance(listed, ProductListV1) and len(listed.products) >= 4
    one = get_product_v1.sync("paper-clips", client=client)
    assert isinstance(one, ProductV1) and one.price == "4.13"
    assert set(one.to_dict()) == V1_FIELDS  # v2 shipped; v1 clients see v1 unchanged


def test_the_sdk_signs_price_requests_with_the_sigv4_hook(cloud: LocalCloudHandle) -> None:
    from stratus_catalog_client.api.default import get_prices
    from stratus_catalog_client.models import ErrorSchema, PriceQuote

    unsigned = get_prices.sync(client=_sdk_client(cloud), ids="paper-clips")
    assert isinstance(unsigned, ErrorSchema)  # the gateway's own 403
    signer = SigV4("us-east-1", Credentials("test", "test"))
    quote = get_prices.sync(client=_sdk_client(cloud, auth=signer), ids="paper-clips,ghost")
    assert isinstance(quote, PriceQuote)
    assert quote.prices.to_dict() == {"paper-clips": "4.13"} and quote.missing == ["ghost"]
