"""API versions on a custom domain name and a canary release, through the running cloud over
real HTTPS: Host-header routing by the longest base path (multi-level and single-level
mappings), the domain's certificate from the local CA by SNI, 403 for unmapped paths, and a
canary split, overridden, promoted and removed with UpdateStage as on AWS.
The CDK app is `tests/fixtures/apps/apigw_versions`."""

from __future__ import annotations

import socket
import ssl
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "apigw_versions"
DOMAIN = "api.example.test"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    with app_cloud(app_dir) as handle:
        yield handle


@pytest.fixture(scope="module")
def domain(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    """A client for https://api.example.test on the gateway's port: connects to 127.0.0.1,
    sends the domain as SNI and Host, and verifies the certificate against the local CA."""
    with httpx.Client(
        base_url=cloud.gateway_origin,
        headers={"Host": DOMAIN},
        verify=ssl.create_default_context(cafile=str(cloud.ca_pem)),
        timeout=30,
    ) as client:
        yield client


def _get(client: httpx.Client, path: str) -> httpx.Response:
    return client.get(path, extensions={"sni_hostname": DOMAIN})


def _shown(client: httpx.Client, path: str) -> dict[str, Any]:
    resp = _get(client, path)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


# -- custom domain -----------------------------------------------------------------------
def test_the_certificate_for_the_domain_verifies_against_the_local_ca(
    cloud: LocalCloudHandle,
) -> None:
    port = urlsplit(cloud.gateway_origin).port
    context = ssl.create_default_context(cafile=str(cloud.ca_pem))
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with context.wrap_socket(raw, server_hostname=DOMAIN) as tls:  # verifies name and chain
        names = [v for k, v in tls.getpeercert()["subjectAltName"] if k == "DNS"]
    assert names == [DOMAIN]


def test_multi_level_mappings_reach_their_own_api_and_stage(domain: httpx.Client) -> None:
    v2 = _shown(domain, "/orders/v2/items")
    assert (v2["api"], v2["stage"], v2["resourcePath"]) == ("OrdersV2", "live", "/items")
    assert v2["path"] == "/orders/v2/items"  # the path as the client sent it
    assert v2["color"] == "gray"
    v1 = _shown(domain, "/orders/v1/items")
    assert (v1["api"], v1["stage"], v1["resourcePath"]) == ("OrdersV1", "prod", "/items")


def test_a_single_level_base_path_mapping_routes_too(domain: httpx.Client) -> None:
    assert _shown(domain, "/status/items")["api"] == "OrdersV2"


def test_paths_no_mapping_matches_are_403_forbidden(domain: httpx.Client) -> None:
    for path in ("/orders/items", "/orders/v3/items", "/items", "/"):
        resp = _get(domain, path)
        assert resp.status_code == 403, path
        assert resp.json() == {"message": "Forbidden"}
    # a mapped API still answers its own missing resources as API Gateway does
    assert _get(domain, "/orders/v2/nothing").json() == {"message": "Missing Authentication Token"}


def test_the_domain_and_its_mappings_are_readable(cloud: LocalCloudHandle) -> None:
    apigw = aws_client(cloud, "apigateway")
    found = apigw.get_domain_name(domainName=DOMAIN)
    assert found["domainName"] == DOMAIN
    assert found["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert found["regionalDomainName"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert DOMAIN in [d["domainName"] for d in apigw.get_domain_names()["items"]]
    mappings = apigw.get_base_path_mappings(domainName=DOMAIN)["items"]
    assert sorted(m["basePath"] for m in mappings) == ["orders/v1", "orders/v2", "status"]
    assert cloud.stack_output("DomainName") == DOMAIN


# -- canary --------------------------------------------------------------------------------
def _split(domain: httpx.Client, count: int) -> Counter[str]:
    seen: Counter[str] = Counter()
    for _ in range(count):
        shown = _shown(domain, "/orders/v1/items")
        # the canary's stage-variable override is what its requests see
        assert shown["color"] == ("green" if shown["canary"] == "true" else "blue"), shown
        seen[shown["canary"]] += 1
    return seen


def _update(cloud: LocalCloudHandle, *ops: dict[str, str]) -> dict[str, Any]:
    apigw = aws_client(cloud, "apigateway")
    api_id = cloud.stack_output("V1Id")
    return dict(apigw.update_stage(restApiId=api_id, stageName="prod", patchOperations=list(ops)))


def test_the_canary_takes_its_share_of_traffic(
    cloud: LocalCloudHandle, domain: httpx.Client
) -> None:
    stage = aws_client(cloud, "apigateway").get_stage(
        restApiId=cloud.stack_output("V1Id"), stageName="prod"
    )
    assert stage["canarySettings"]["percentTraffic"] == 50.0
    assert stage["canarySettings"]["stageVariableOverrides"] == {"color": "green"}
    seen = _split(domain, 400)
    # 50% of 400: mean 200, standard deviation 10; 150..250 is five deviations
    assert 150 <= seen["true"] <= 250, seen
    assert seen["true"] + seen["false"] == 400


def test_zero_and_full_canary_traffic_are_exact(
    cloud: LocalCloudHandle, domain: httpx.Client
) -> None:
    _update(cloud, {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0"})
    assert _split(domain, 60) == Counter({"false": 60})
    _update(cloud, {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "100"})
    assert _split(domain, 60) == Counter({"true": 60})


def test_promote_then_remove_the_canary(cloud: LocalCloudHandle, domain: httpx.Client) -> None:
    promoted = _update(
        cloud,
        {"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"},
        {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
        {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
    )
    assert promoted["variables"] == {"color": "green"}
    assert promoted["canarySettings"]["percentTraffic"] == 0.0
    shown = _shown(domain, "/orders/v1/items")
    assert (shown["canary"], shown["color"]) == ("false", "green")  # the stage serves it now

    removed = _update(cloud, {"op": "remove", "path": "/canarySettings"})
    assert "canarySettings" not in removed
    shown = _shown(domain, "/orders/v1/items")
    assert shown["color"] == "green"
    assert shown["canary"] == ""  # $context.isCanaryRequest: only while a canary exists


def test_an_unknown_patch_path_is_a_bad_request(cloud: LocalCloudHandle) -> None:
    with pytest.raises(ClientError) as raised:
        _update(cloud, {"op": "replace", "path": "/canarySettings/colour", "value": "x"})
    assert raised.value.response["Error"]["Code"] == "BadRequestException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
