"""The catalog through the running cloud (`stratus up --system shop`): v1 and v2 are two
APIs on the base paths `v1` and `v2` of the local stage's custom domain
(`catalog.shop.local.localhost`), reached by Host/SNI or at the gateway's
`/_stratus/domains/<name>/` (CatalogApiUrl); public reads over HTTPS, v1's shape untouched
by v2, the IAM-signed price route, the sample priced 4.13; and what a client must never
get past: unknown and traversal ids, bad pages and cursors, unsigned, forged, stale,
other-key and altered SigV4 requests (403 in API Gateway's words), oversized requests and
undeclared methods. A v1 client generated from v1's own export keeps working after v2."""

from __future__ import annotations

import base64
import datetime
import importlib.util
import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from stratus_catalog_client.signing import SigV4

from stratus.infra.shop.stage import LOCAL_CATALOG_DOMAIN
from tests.conftest import ROOT, LocalCloudHandle
from tests.integration.conftest import SHOP, aws_client

pytestmark = [pytest.mark.integration, SHOP]


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


catalog_sdk = _load("service_sdk", ROOT / "sdk" / "service_sdk.py").SERVICES["catalog"]
domain_export = _load("catalog_domain_export", ROOT / "sdk" / "catalog" / "domain_export.py")
REGION = "us-east-1"
ROOT_KEY = Credentials("test", "test")  # the local account's own key: may invoke anything
# API Gateway's own refusals of IAM-authorized methods
# (https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch)
MISSING_TOKEN = {"message": "Missing Authentication Token"}
MISMATCH = "The request signature we calculated does not match the signature you provided."
UNKNOWN_KEY = {"message": "The security token included in the request is invalid."}
V1_FIELDS = {"id", "name", "description", "price"}


@pytest.fixture(scope="module")
def cloud(shop_cloud: LocalCloudHandle) -> LocalCloudHandle:
    return shop_cloud


@pytest.fixture(scope="module")
def catalog(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    base = str(cloud.stack_output("CatalogApiUrl"))
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with httpx.Client(base_url=base, verify=verify, timeout=30) as client:
        yield client


def test_catalog_url_is_the_domains_root_without_a_version(cloud: LocalCloudHandle) -> None:
    url = str(cloud.stack_output("CatalogApiUrl"))
    assert url == f"{cloud.gateway_origin}/_stratus/domains/{LOCAL_CATALOG_DOMAIN}/"


def test_the_domain_maps_v1_and_v2_to_two_apis(cloud: LocalCloudHandle) -> None:
    items = aws_client(cloud, "apigateway").get_base_path_mappings(domainName=LOCAL_CATALOG_DOMAIN)[
        "items"
    ]
    mapped = {m["basePath"]: (m["restApiId"], m["stage"]) for m in items}
    assert mapped == {
        "v1": (cloud.stack_output("CatalogV1ApiId"), "local"),
        "v2": (cloud.stack_output("CatalogV2ApiId"), "local"),
    }
    assert mapped["v1"][0] != mapped["v2"][0]


def test_the_domain_answers_by_its_host_name_with_its_own_certificate(
    cloud: LocalCloudHandle,
) -> None:
    """What `curl https://catalog.shop.local.localhost:<port>/v1/products` does: SNI and
    Host name the domain (curl and Chromium resolve *.localhost to loopback)."""
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with httpx.Client(base_url=cloud.gateway_origin, verify=verify, timeout=30) as client:
        resp = client.get(
            "/v1/products/paper-clips",
            headers={"Host": LOCAL_CATALOG_DOMAIN},
            extensions={"sni_hostname": LOCAL_CATALOG_DOMAIN},
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["price"] == "4.13"
        stream = resp.extensions["network_stream"]
        cert = stream.get_extra_info("ssl_object").getpeercert()
    assert ("DNS", LOCAL_CATALOG_DOMAIN) in cert["subjectAltName"]


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


def test_a_signed_price_request_gets_prices_and_missing_ids(catalog: httpx.Client) -> None:
    signed = SigV4(REGION, ROOT_KEY)
    resp = catalog.get("v2/prices", params={"ids": "paper-clips,coffee-mug,nope"}, auth=signed)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "prices": {"paper-clips": "4.13", "coffee-mug": "12.50"},
        "missing": ["nope"],
    }


# -- ids, pages and cursors ----------------------------------------------------------------
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_an_unknown_product_is_404(catalog: httpx.Client, version: str) -> None:
    resp = catalog.get(f"{version}/products/no-such-thing")
    assert resp.status_code == 404, resp.text
    assert resp.json() == {"error": "NotFound", "message": "no product 'no-such-thing'"}


@pytest.mark.parametrize(
    "path",
    [
        "v1/products/..%2F..%2Fetc%2Fpasswd",
        "v2/products/..%2Fprices",
        "v1/products/%2Fv2%2Fprices",
        "v1/products/%2e%2e",
        "v2/products/%2e%2e%2f%2e%2e",
        "v1/products/NOT%20AN%20ID",
        "v2/products/%00",
        "v1/products/" + "x" * 300,
        "v2/products/" + "a" * 5000,
        "v1/../v2/prices",
    ],
)
def test_traversal_and_oversized_ids_are_a_clear_4xx_never_a_500(
    catalog: httpx.Client, path: str
) -> None:
    resp = catalog.get(path)
    assert resp.status_code in (400, 403, 404), (path[:60], resp.status_code, resp.text)
    body = resp.json()
    if resp.status_code == 400:  # the function's: it names the field
        assert body["error"] == "ValidationError" and body["details"]["field"] == "id"
    else:
        assert body.get("message"), body


def _cursor(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"limit": "ten"}, "limit", "valid integer"),
        ({"limit": "2.5"}, "limit", "valid integer"),
        ({"limit": "0"}, "limit", "greater than or equal to 1"),
        ({"limit": "-3"}, "limit", "greater than or equal to 1"),
        ({"limit": "9" * 40}, "limit", "less than or equal to 100"),
        ({"cursor": "!!garbage!!"}, "cursor", "not a cursor this API returned"),
        ({"cursor": _cursor({"id": "no-such-product"})}, "cursor", "not a cursor"),  # forged
        ({"cursor": _cursor({"id": "coffee-mug", "n": 1})}, "cursor", "not a cursor"),  # tampered
        ({"cursor": _cursor({"id": "../../etc"})}, "cursor", "not a product id"),
        ({"cursor": _cursor(["coffee-mug"])}, "cursor", "not a cursor"),
        ({"cursor": "x" * 600}, "cursor", "at most 512 characters"),
    ],
)
def test_bad_pages_and_cursors_are_400_naming_the_problem(
    catalog: httpx.Client, params: dict[str, str], field: str, says: str
) -> None:
    resp = catalog.get("v2/products", params=params)
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["error"] == "ValidationError" and body["details"]["field"] == field
    assert says in body["message"], body


def test_a_genuine_cursor_still_pages(catalog: httpx.Client) -> None:
    first = catalog.get("v2/products", params={"limit": 1}).json()
    nxt = catalog.get("v2/products", params={"limit": 1, "cursor": first["next_cursor"]})
    assert nxt.status_code == 200, nxt.text
    assert nxt.json()["products"][0]["id"] != first["products"][0]["id"]


def test_bad_price_ids_are_400_even_when_signed(catalog: httpx.Client) -> None:
    signed = SigV4(REGION, ROOT_KEY)
    for ids in ("", "UPPER", ",".join(f"p{i}" for i in range(101)), "../x"):
        resp = catalog.get("v2/prices", params={"ids": ids}, auth=signed)
        assert resp.status_code == 400, (ids[:20], resp.text)
        assert resp.json()["details"]["field"] == "ids"


# -- who may read prices: API Gateway's SigV4 refusals -------------------------------------
def _signed_headers(
    url: str, creds: Credentials, *, when: datetime.datetime | None = None,
    region: str = REGION, service: str = "execute-api", body: bytes = b"",
) -> dict[str, str]:  # fmt: skip
    request = AWSRequest(method="GET", url=url, data=body)
    now = when or datetime.datetime.now(datetime.UTC)
    with mock.patch("botocore.auth.get_current_datetime", return_value=now):
        SigV4Auth(creds, service, region).add_auth(request)
    return dict(request.headers)


def test_unsigned_price_requests_are_refused_by_the_gateway(catalog: httpx.Client) -> None:
    resp = catalog.get("v2/prices", params={"ids": "paper-clips"})
    assert (resp.status_code, resp.json()) == (403, MISSING_TOKEN)
    assert resp.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_a_forged_signature_is_refused(catalog: httpx.Client) -> None:
    forged = SigV4(REGION, Credentials("test", "not-the-secret"))
    resp = catalog.get("v2/prices", params={"ids": "paper-clips"}, auth=forged)
    assert resp.status_code == 403
    assert resp.json()["message"].startswith(MISMATCH)
    assert resp.headers["x-amzn-errortype"] == "InvalidSignatureException"


def test_a_key_the_account_never_issued_is_refused(catalog: httpx.Client) -> None:
    other = SigV4(REGION, Credentials("AKIAOTHERACCOUNT0000", "its-own-secret"))
    resp = catalog.get("v2/prices", params={"ids": "paper-clips"}, auth=other)
    assert (resp.status_code, resp.json()) == (403, UNKNOWN_KEY)
    assert resp.headers["x-amzn-errortype"] == "UnrecognizedClientException"


@pytest.mark.parametrize(
    ("region", "service", "says"),
    [
        (
            "eu-west-1",
            "execute-api",
            "Credential should be scoped to a valid region, not 'eu-west-1'",
        ),
        (REGION, "s3", "Credential should be scoped to correct service: 'execute-api'"),
    ],
)
def test_a_signature_for_another_region_or_service_is_refused(
    catalog: httpx.Client, region: str, service: str, says: str
) -> None:
    url = f"{catalog.base_url}v2/prices?ids=paper-clips"
    headers = _signed_headers(url, ROOT_KEY, region=region, service=service)
    resp = catalog.get(url, headers=headers)
    assert resp.status_code == 403 and resp.json()["message"].startswith(says), resp.text


@pytest.mark.parametrize("minutes", [-10, 10])
def test_a_stale_or_future_signature_is_refused(catalog: httpx.Client, minutes: int) -> None:
    """A signature is good 5 minutes either side of the server's clock
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html)."""
    when = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=minutes)
    url = f"{catalog.base_url}v2/prices?ids=paper-clips"
    headers = _signed_headers(url, ROOT_KEY, when=when)
    assert headers["X-Amz-Date"] == when.strftime("%Y%m%dT%H%M%SZ")
    resp = catalog.get(url, headers=headers)
    assert resp.status_code == 403, resp.text
    stamp = when.strftime("%Y%m%dT%H%M%SZ")
    expected = (
        f"Signature expired: {stamp} is now earlier than"
        if minutes < 0
        else f"Signature not yet current: {stamp} is still later than"
    )
    assert resp.json()["message"].startswith(expected), resp.text


def test_a_replayed_request_with_other_ids_or_a_body_is_refused(catalog: httpx.Client) -> None:
    url = f"{catalog.base_url}v2/prices?ids=paper-clips"
    headers = _signed_headers(url, ROOT_KEY)
    assert catalog.get(url, headers=headers).status_code == 200  # as signed: answered
    for changed in (
        catalog.get(url.replace("paper-clips", "coffee-mug"), headers=headers),
        catalog.request("GET", url, headers=headers, content=b'{"ids": "coffee-mug"}'),
        catalog.get(url + ",coffee-mug", headers=headers),
    ):
        assert changed.status_code == 403, changed.text
        assert changed.json()["message"].startswith(MISMATCH)


# -- requests API Gateway refuses before any function ------------------------------------
def test_an_oversized_query_string_or_header_is_431(catalog: httpx.Client) -> None:
    """Request line and headers together: at most 10,240 bytes
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html);
    AWS documents the limit and clients report its message, the local gateway says 431."""
    too_long = {"message": "HTTP header is larger than 10240 bytes."}
    query = catalog.get("v2/products", params={"q": "a" * 11_000})
    assert (query.status_code, query.json()) == (431, too_long)
    header = catalog.get("v1/products", headers={"X-Padding": "b" * 11_000})
    assert (header.status_code, header.json()) == (431, too_long)
    assert catalog.get("v2/products", params={"q": "a" * 8_000}).status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["v1/products", "v2/products/paper-clips", "v2/prices"])
def test_methods_the_api_does_not_declare_are_403(
    catalog: httpx.Client, method: str, path: str
) -> None:
    resp = catalog.request(method, path, json={"price": "0.01"})
    assert (resp.status_code, resp.json()) == (403, MISSING_TOKEN), (method, path, resp.text)


def test_paths_outside_v1_and_v2_are_forbidden_and_v1_has_no_prices(
    catalog: httpx.Client,
) -> None:
    for path in ("v3/products", "products", "V1/products"):
        resp = catalog.get(path)
        assert (resp.status_code, resp.json()) == (403, {"message": "Forbidden"}), path
    signed = SigV4(REGION, ROOT_KEY)
    v1_prices = catalog.get("v1/prices", params={"ids": "paper-clips"}, auth=signed)
    assert (v1_prices.status_code, v1_prices.json()) == (403, MISSING_TOKEN)


def test_a_browser_preflight_is_answered_by_the_gateway(catalog: httpx.Client) -> None:
    resp = catalog.options(
        "v2/products",
        headers={"Origin": "https://shop.example.test", "Access-Control-Request-Method": "GET"},
    )
    assert resp.status_code == 204
    assert "GET" in resp.headers["access-control-allow-methods"]


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


def test_the_running_domains_export_is_the_committed_sdk_document(
    cloud: LocalCloudHandle,
) -> None:
    merged = domain_export.export_domain(aws_client(cloud, "apigateway"), LOCAL_CATALOG_DOMAIN)
    live = catalog_sdk.canonical(merged)
    committed = json.loads(catalog_sdk.spec_file.read_text())
    assert live == committed, (
        "API changed: sdk/catalog/domain_export.py DOMAIN > FILE, then "
        "sdk/service_sdk.py catalog --export FILE"
    )


def test_the_v1_sdk_client_reads_products(cloud: LocalCloudHandle) -> None:
    from stratus_catalog_client.api.default import get_product_v1, list_products_v1
    from stratus_catalog_client.models import ProductListV1, ProductV1

    client = _sdk_client(cloud)
    listed = list_products_v1.sync(client=client)
    assert isinstance(listed, ProductListV1) and len(listed.products) >= 4
    one = get_product_v1.sync("paper-clips", client=client)
    assert isinstance(one, ProductV1) and one.price == "4.13"
    assert set(one.to_dict()) == V1_FIELDS  # v2 shipped; v1 clients see v1 unchanged


V1_CLIENT_PROGRAM = """
import json, ssl, sys
import httpx
from stratus_catalog_client import Client
from stratus_catalog_client.api.default import get_product_v1, list_products_v1
base, ca = sys.argv[1], sys.argv[2]
client = Client(base_url=base, verify_ssl=ssl.create_default_context(cafile=ca),
                timeout=httpx.Timeout(30), raise_on_unexpected_status=True)
listed = list_products_v1.sync(client=client)
one = get_product_v1.sync("paper-clips", client=client)
print(json.dumps({"ids": [p.id for p in listed.products], "one": one.to_dict()}))
"""


def test_a_v1_client_generated_from_v1s_own_export_keeps_working_after_v2(
    cloud: LocalCloudHandle, tmp_path: Path
) -> None:
    """The client a v1 user generated before v2 existed: v1's API export alone (under its
    base path), its own package, run in its own interpreter against today's catalog."""
    client = aws_client(cloud, "apigateway")
    export = client.get_export(
        restApiId=cloud.stack_output("CatalogV1ApiId"),
        stageName="local",
        exportType="oas30",
        accepts="application/json",
    )
    v1_doc = catalog_sdk.canonical(domain_export.merge_exports({"v1": json.loads(
        export["body"].read())}))  # fmt: skip
    assert {p.split("/")[1] for p in v1_doc["paths"]} == {"v1"}
    package = catalog_sdk.generate(v1_doc, tmp_path)
    assert not (package / "api" / "default" / "get_prices.py").exists()  # v1 knows no v2
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    ran = subprocess.run(
        [sys.executable, "-c", V1_CLIENT_PROGRAM, str(cloud.stack_output("CatalogApiUrl")),
         str(cloud.ca_pem)], capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)
    assert len(seen["ids"]) >= 4 and "paper-clips" in seen["ids"]
    assert seen["one"] == {"id": "paper-clips", "name": seen["one"]["name"],
                           "description": seen["one"]["description"], "price": "4.13"}  # fmt: skip


def test_the_sdk_signs_price_requests_with_the_sigv4_hook(cloud: LocalCloudHandle) -> None:
    from stratus_catalog_client.api.default import get_prices
    from stratus_catalog_client.models import ErrorSchema, PriceQuote

    unsigned = get_prices.sync(client=_sdk_client(cloud), ids="paper-clips")
    assert isinstance(unsigned, ErrorSchema)  # the gateway's own 403
    signer = SigV4(REGION, ROOT_KEY)
    quote = get_prices.sync(client=_sdk_client(cloud, auth=signer), ids="paper-clips,ghost")
    assert isinstance(quote, PriceQuote)
    assert quote.prices.to_dict() == {"paper-clips": "4.13"} and quote.missing == ["ghost"]
