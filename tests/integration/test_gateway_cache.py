"""API Gateway's stage cache and GatewayResponses through the running cloud, over real
HTTPS: hits do not invoke the function, per-method TTL and disabled caching, cache key
parameters, `Cache-Control: max-age=0` from a signer allowed execute-api:InvalidateCache
(root keys, a function's role) against one who is not, the unauthorized-header strategies
set by UpdateStage, FlushStageCache, GatewayResponse templates, a malformed response
template. The CDK app is `tests/fixtures/apps/apigw_cache`."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stratus.local.core.settings import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY
from tests.conftest import LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "apigw_cache"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    with app_cloud(app_dir) as handle:
        yield handle


@pytest.fixture(scope="module")
def base(cloud: LocalCloudHandle) -> str:
    return f"{cloud.gateway_origin}/restapis/{cloud.stack_output('ApiId')}/prod/"


@pytest.fixture(scope="module")
def api(cloud: LocalCloudHandle, base: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=base, verify=ssl.create_default_context(cafile=str(cloud.ca_pem)), timeout=30
    ) as client:
        yield client


def _id(api: httpx.Client, path: str, **kw: Any) -> str:
    response = api.get(path, **kw)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def _signed(base: str, path: str, headers: dict[str, str]) -> dict[str, str]:
    request = AWSRequest(method="GET", url=base + path, headers=headers)
    credentials = Credentials(ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _refresh_from(cloud: LocalCloudHandle, base: str, output: str, path: str) -> dict[str, Any]:
    """Have the fixture function named by `output` GET `path` with max-age=0, signed with
    its role's credentials."""
    answer = aws_client(cloud, "lambda").invoke(
        FunctionName=cloud.stack_output(output),
        Payload=json.dumps({"url": base + path, "ca": str(cloud.ca_pem)}).encode(),
    )
    result: dict[str, Any] = json.loads(answer["Payload"].read())
    assert "errorMessage" not in result, result
    return result


# -- hits, TTLs, keys -------------------------------------------------------------------
def test_a_hit_does_not_invoke_the_function(api: httpx.Client) -> None:
    first = api.get("items")
    assert first.status_code == 200
    second = api.get("items")
    assert second.json() == first.json()  # same id and invocation count: not invoked


def test_per_method_ttl_expires(api: httpx.Client) -> None:
    first = _id(api, "short")
    assert _id(api, "short") == first
    time.sleep(2.3)  # GET /short: CacheTtlInSeconds 2
    assert _id(api, "short") != first


def test_a_method_with_caching_disabled_always_invokes(api: httpx.Client) -> None:
    assert _id(api, "nocache") != _id(api, "nocache")


def test_cache_key_parameters_decide_hits(api: httpx.Client) -> None:
    red = _id(api, "items", params={"color": "red"})
    assert _id(api, "items", params={"color": "blue"}) != red  # key parameter: a miss
    assert _id(api, "items", params={"color": "red", "page": "2"}) == red  # unrelated: a hit
    assert _id(api, "items", params={"color": "red"}, headers={"X-Other": "1"}) == red


def test_path_parameter_as_cache_key(api: httpx.Client) -> None:
    one = _id(api, "items/1")
    assert _id(api, "items/2") != one
    assert _id(api, "items/1") == one


# -- max-age=0 ---------------------------------------------------------------------------
def test_max_age_0_signed_with_root_keys_refreshes(api: httpx.Client, base: str) -> None:
    path = "items?color=root"
    cached = _id(api, path)
    signed = _signed(base, path, {"Cache-Control": "max-age=0"})
    fresh = api.get(path, headers=signed)
    assert fresh.status_code == 200
    assert fresh.json()["id"] != cached
    assert _id(api, path) == fresh.json()["id"]  # the entry was replaced


def test_max_age_0_unsigned_is_ignored_with_a_warning(api: httpx.Client) -> None:
    cached = _id(api, "items?color=anon")
    response = api.get("items?color=anon", headers={"Cache-Control": "max-age=0"})
    assert response.json()["id"] == cached
    assert response.headers["warning"].startswith("199")


def test_a_role_allowed_invalidate_cache_refreshes_and_one_without_does_not(
    cloud: LocalCloudHandle, api: httpx.Client, base: str
) -> None:
    cached = _id(api, "items")
    denied = _refresh_from(cloud, base, "OutsiderName", "items")
    assert (denied["status"], denied["body"]["id"]) == (200, cached)
    assert denied["warning"]
    allowed = _refresh_from(cloud, base, "RefresherName", "items")
    assert allowed["status"] == 200 and allowed["warning"] is None
    assert allowed["body"]["id"] != cached
    # The refresher's policy names GET /items only: GET /items/1 stays cached for it.
    one = _id(api, "items/1")
    assert _refresh_from(cloud, base, "RefresherName", "items/1")["body"]["id"] == one


def test_fail_with_403_strategy_set_by_update_stage(
    cloud: LocalCloudHandle, api: httpx.Client, base: str
) -> None:
    gateway = aws_client(cloud, "apigateway")
    api_id = cloud.stack_output("ApiId")
    path = "/~1items~1{id}/GET/caching/unauthorizedCacheControlHeaderStrategy"
    stage = gateway.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[{"op": "replace", "path": path, "value": "FAIL_WITH_403"}],
    )
    assert stage["methodSettings"]["~1items~1{id}/GET"][
        "unauthorizedCacheControlHeaderStrategy"
    ] == ("FAIL_WITH_403")
    _id(api, "items/9")
    refused = api.get("items/9", headers={"Cache-Control": "max-age=0"})
    assert refused.status_code == 403
    assert "execute-api:InvalidateCache" in refused.json()["Message"]
    assert refused.headers["access-control-allow-origin"] == "*"  # DEFAULT_4XX applies
    signed = _signed(base, "items/9", {"Cache-Control": "max-age=0"})
    assert api.get("items/9", headers=signed).status_code == 200
    with pytest.raises(gateway.exceptions.BadRequestException):
        gateway.update_stage(
            restApiId=api_id,
            stageName="prod",
            patchOperations=[
                {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "7200"}
            ],
        )


def test_flush_stage_cache_empties_the_cache(cloud: LocalCloudHandle, api: httpx.Client) -> None:
    cached = _id(api, "items?color=flush")
    aws_client(cloud, "apigateway").flush_stage_cache(
        restApiId=cloud.stack_output("ApiId"), stageName="prod"
    )
    assert _id(api, "items?color=flush") != cached


# -- GatewayResponses and bad templates -------------------------------------------------
def test_gateway_response_template_and_headers(api: httpx.Client) -> None:
    response = api.get("nowhere")
    assert response.status_code == 404  # StatusCode override of the 403
    assert response.json() == {
        "error": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
        "requestId": response.headers["x-amzn-requestid"],
        "env": "local",
    }
    assert response.headers["x-error-source"] == "stratus-fixture"


def test_non_proxy_templates_map_both_ways(api: httpx.Client) -> None:
    response = api.get("templated", params={"q": 'say "hi"'})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["q"], body["env"]) == ('say "hi"', "local")


def test_a_malformed_response_template_is_a_clean_500(api: httpx.Client) -> None:
    for _ in range(2):  # and the failure is not cached
        response = api.get("broken")
        assert response.status_code == 500
        assert response.json() == {"message": "Internal server error"}
        assert "Traceback" not in response.text


def test_requests_become_api_gateway_metrics(cloud: LocalCloudHandle, api: httpx.Client) -> None:
    """Count, 4XXError, CacheHitCount and Latency per ApiName + Stage reach CloudWatch on
    the next tick (AWS publishes them each minute; locally every STRATUS_ALARM_SECONDS)."""
    apigateway = aws_client(cloud, "apigateway")
    name = apigateway.get_rest_api(restApiId=cloud.stack_output("ApiId"))["name"]
    _id(api, "items?q=metrics")
    _id(api, "items?q=metrics")  # a hit
    assert api.get("no-such-route").status_code in (403, 404)
    cloudwatch = aws_client(cloud, "cloudwatch")
    dims = [{"Name": "ApiName", "Value": name}, {"Name": "Stage", "Value": "prod"}]

    def total(metric: str, stat: str = "Sum") -> float:
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/ApiGateway",
            MetricName=metric,
            Dimensions=dims,
            StartTime=time.time() - 600,
            EndTime=time.time() + 60,
            Period=60,
            Statistics=[stat],
        )["Datapoints"]
        return float(sum(p[stat] for p in points))

    def figures() -> dict[str, float]:
        return {
            "Count": total("Count"),
            "4XXError": total("4XXError"),
            "CacheHitCount": total("CacheHitCount"),
            "Latency samples": total("Latency", "SampleCount"),
        }

    wanted = {"Count": 3, "4XXError": 1, "CacheHitCount": 1, "Latency samples": 3}
    deadline = time.monotonic() + 20  # the sends of this test may land on the next tick
    seen = figures()
    while any(seen[k] < v for k, v in wanted.items()) and time.monotonic() < deadline:
        time.sleep(0.5)
        seen = figures()
    assert all(seen[k] >= v for k, v in wanted.items()), seen
