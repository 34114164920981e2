"""Stage settings from the template: throttling, cache, CORS preflight, access logs."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

from auth_rig import sign
from gateway_rig import LOG_GROUP_ARN, Rig, method_props, stage_props, without_limits

from stratus.local.core.settings import Ports
from stratus.local.gateway import build_gateway_app
from stratus.local.provision.model import Deployment


def _counting_handler() -> Any:
    counter = itertools.count(1)

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        return {"statusCode": 200, "body": json.dumps({"n": next(counter)})}

    return handler


def _cache_only(deployment: Deployment) -> None:
    props = stage_props(deployment)
    props["MethodSettings"] = [
        {k: v for k, v in ms.items() if not k.startswith("Throttling")}
        for ms in props["MethodSettings"]
    ]


def _cache_rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path, tweak=_cache_only, handler=_counting_handler())


def _n(rig: Rig, path: str, **kw: Any) -> int:
    resp = rig.request("GET", path, **kw)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["n"])


# -- throttling ----------------------------------------------------------------------
def test_burst_beyond_the_stage_limit_is_429(tmp_path: Path) -> None:
    rig = Rig(tmp_path)  # fixture stage: rate 5/s, burst 2, caching on (GET only)
    statuses = [rig.request("POST", "/public/x").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    resp = rig.request("POST", "/public/x")
    assert resp.json() == {"message": "Too Many Requests"}
    assert resp.headers["x-amzn-errortype"] == "TooManyRequestsException"
    assert rig.app.stats.throttled == 2


def test_throttle_bucket_refills_at_the_rate(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    assert [rig.request("POST", "/public/x").status_code for _ in range(3)] == [200, 200, 429]
    rig.clock.advance(0.2)  # 5 per second -> one token
    assert rig.request("POST", "/public/x").status_code == 200
    assert rig.request("POST", "/public/x").status_code == 429


def test_specific_method_setting_overrides_the_stage_default(tmp_path: Path) -> None:
    def tweak(deployment: Deployment) -> None:
        stage_props(deployment)["MethodSettings"].append(
            {
                "ResourcePath": "/~1public~1{proxy+}",
                "HttpMethod": "POST",
                "ThrottlingRateLimit": 100,
                "ThrottlingBurstLimit": 10,
            }
        )

    rig = Rig(tmp_path, tweak=tweak)
    assert all(rig.request("POST", "/public/x").status_code == 200 for _ in range(5))


# -- cache ---------------------------------------------------------------------------
def test_get_is_served_from_the_stage_cache_until_the_ttl(tmp_path: Path) -> None:
    rig = _cache_rig(tmp_path)
    assert _n(rig, "/public/x") == 1
    assert _n(rig, "/public/x") == 1
    assert (rig.app.stats.cache_misses, rig.app.stats.cache_hits) == (1, 1)
    rig.clock.advance(61)  # fixture CacheTtlInSeconds: 60
    assert _n(rig, "/public/x") == 2


def test_cache_key_ignores_undeclared_parameters_as_aws(tmp_path: Path) -> None:
    rig = _cache_rig(tmp_path)
    # /public/{proxy+} declares no cache keys: every path shares one entry, as on AWS.
    assert _n(rig, "/public/a") == 1
    assert _n(rig, "/public/b?x=1") == 1


def test_cache_key_parameters_separate_entries(tmp_path: Path) -> None:
    rig = _cache_rig(tmp_path)
    auth = {"Authorization": rig.id_token()}
    # GET /todos declares CacheKeyParameters [method.request.querystring.q].
    assert _n(rig, "/todos?q=a", headers=auth) == 1
    assert _n(rig, "/todos?q=b", headers=auth) == 2
    assert _n(rig, "/todos?q=a&other=z", headers=auth) == 1


def test_post_is_never_cached(tmp_path: Path) -> None:
    rig = _cache_rig(tmp_path)
    ns = [rig.request("POST", "/public/x").json()["n"] for _ in range(2)]
    assert ns == [1, 2]


def test_cached_method_still_requires_authorization(tmp_path: Path) -> None:
    rig = _cache_rig(tmp_path)
    assert _n(rig, "/todos?q=a", headers={"Authorization": rig.id_token()}) == 1
    assert rig.request("GET", "/todos?q=a").status_code == 401


def test_max_age_0_from_an_authorized_caller_refreshes_the_entry(tmp_path: Path) -> None:
    rig = _cache_rig(tmp_path)
    signed = sign("GET", "/public/x", rig.clock.now, headers={"Cache-Control": "max-age=0"})
    assert _n(rig, "/public/x") == 1
    assert _n(rig, "/public/x", headers=signed) == 2
    assert _n(rig, "/public/x") == 2
    assert rig.app.stats.cache_invalidations == 1


def test_max_age_0_without_authorization_is_ignored_with_a_warning(tmp_path: Path) -> None:
    rig = _cache_rig(tmp_path)
    assert _n(rig, "/public/x") == 1
    resp = rig.request("GET", "/public/x", headers={"Cache-Control": "max-age=0"})
    assert resp.json()["n"] == 1
    assert "warning" in resp.headers
    assert rig.app.stats.cache_invalidations == 0


def test_no_cache_without_a_cache_cluster(tmp_path: Path) -> None:
    def tweak(deployment: Deployment) -> None:
        _cache_only(deployment)
        stage_props(deployment)["CacheClusterEnabled"] = False

    rig = Rig(tmp_path, tweak=tweak, handler=_counting_handler())
    assert [_n(rig, "/public/x") for _ in range(2)] == [1, 2]


# -- CORS preflight ------------------------------------------------------------------
def test_cors_preflight_returns_the_declared_status_and_headers(rig: Rig) -> None:
    resp = rig.request("OPTIONS", "/todos", headers={"Origin": "https://a.example"})
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-origin"] == "https://a.example"
    assert resp.headers["access-control-allow-methods"] == "GET,POST"
    assert resp.headers["access-control-allow-headers"] == "Authorization,Content-Type"
    assert resp.headers["vary"] == "Origin"
    assert resp.content == b""
    assert rig.lambdas.events == []


def test_cors_preflight_echoes_a_second_allowed_origin(rig: Rig) -> None:
    resp = rig.request("OPTIONS", "/todos/7", headers={"Origin": "https://b.example"})
    assert resp.headers["access-control-allow-origin"] == "https://b.example"


def test_cors_preflight_does_not_echo_an_unknown_origin(rig: Rig) -> None:
    resp = rig.request("OPTIONS", "/", headers={"Origin": "https://evil.example"})
    assert resp.headers["access-control-allow-origin"] == "https://a.example"


def test_preflight_needs_no_token_even_on_protected_resources(rig: Rig) -> None:
    assert method_props(rig.deployment, "ApitodosGET")["AuthorizationType"] == "COGNITO_USER_POOLS"
    assert rig.request("OPTIONS", "/todos").status_code == 204


# -- access logs ---------------------------------------------------------------------
def test_access_log_line_has_context_values_substituted(rig: Rig) -> None:
    rig.request("GET", "/public/x", headers={"User-Agent": "rig/1"})
    rig.request("GET", "/nope")
    assert [arn for arn, _ in rig.logs] == [LOG_GROUP_ARN, LOG_GROUP_ARN]
    first, second = (json.loads(line) for _, line in rig.logs)
    assert first["httpMethod"] == "GET"
    assert first["resourcePath"] == "/public/{proxy+}"
    assert first["status"] == "200"
    assert first["ip"] == "203.0.113.7"
    assert first["protocol"] == "HTTP/1.1"
    assert first["user"] == "-"
    assert first["requestTime"] == "18/Nov/2026:11:06:40 +0000"
    assert int(first["responseLength"]) > 0
    assert second["status"] == "403"
    assert second["resourcePath"] == "-"


def test_without_a_sink_nothing_is_logged(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=without_limits)
    rig.app.log_sink = None
    assert rig.request("GET", "/public/x").status_code == 200
    assert rig.logs == []


def _local_origin_first(deployment: Deployment) -> None:
    """The fixture's preflight with the local gateway's default origin in the first place
    (as the to-do app declares it) and a.example second."""
    without_limits(deployment)
    for res in deployment.resources("AWS::ApiGateway::Method"):
        text = json.dumps(res.properties)
        text = text.replace("https://a.example", "https://127.0.0.1:4443")
        text = text.replace("https://b.example", "https://a.example")
        res.properties = json.loads(text)


def _on_port(rig: Rig, port: int) -> None:
    settings = dataclasses.replace(rig.ctx.settings, ports=Ports(gateway=port))
    rig.ctx = dataclasses.replace(rig.ctx, settings=settings)
    rig.app = build_gateway_app(rig.ctx, clock=rig.clock)


def test_preflight_names_the_local_origin_where_the_gateway_really_runs(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=_local_origin_first)
    _on_port(rig, 45678)
    here = rig.request("OPTIONS", "/todos", headers={"Origin": "https://127.0.0.1:45678"})
    assert here.headers["access-control-allow-origin"] == "https://127.0.0.1:45678"
    other = rig.request("OPTIONS", "/todos/7", headers={"Origin": "https://a.example"})
    assert other.headers["access-control-allow-origin"] == "https://a.example"
    # An unknown origin gets the declared default, mapped too (never the port not served).
    unknown = rig.request("OPTIONS", "/todos", headers={"Origin": "https://evil.example"})
    assert unknown.headers["access-control-allow-origin"] == "https://127.0.0.1:45678"


def test_on_its_default_port_the_declared_origin_is_unchanged(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=_local_origin_first)
    resp = rig.request("OPTIONS", "/todos", headers={"Origin": "https://127.0.0.1:4443"})
    assert resp.headers["access-control-allow-origin"] == "https://127.0.0.1:4443"
