"""Stages (throttling, stage variables, access logs, deployment), CORS (http-api-cors.html),
the integration timeout and the HTTP proxy integration."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from http_rig import BARE_ID, ECHO_ARN, LOG_GROUP_ARN, HttpRig

from stratus.local.provision.model import Deployment


def test_stage_default_route_settings_throttle_with_429(rig: HttpRig) -> None:
    assert rig.request("GET", "/limited/items/1").status_code == 200
    resp = rig.request("GET", "/limited/items/1")
    assert resp.status_code == 429
    assert resp.json() == {"message": "Too Many Requests"}
    # Per route: another route has its own bucket; the $default stage is not throttled.
    assert rig.request("GET", "/limited/plain").status_code == 200
    assert all(rig.request("GET", "/items/1").status_code == 200 for _ in range(5))
    rig.clock.advance(1.0)  # 1 request/s refills
    assert rig.request("GET", "/limited/items/1").status_code == 200


def test_access_log_line_goes_to_the_stage_log_group(rig: HttpRig) -> None:
    rig.request("GET", "/limited/items/1")
    rig.request("GET", "/limited/items/1")
    assert rig.logs == [
        (LOG_GROUP_ARN, "req-1234567890= GET /items/{id} 200 limited"),
        (LOG_GROUP_ARN, "req-1234567890= GET /items/{id} 429 limited"),
    ]
    rig.request("GET", "/items/1")  # the $default stage has no access log
    assert len(rig.logs) == 2


def _not_deployed(deployment: Deployment) -> None:
    for res in deployment.resources("AWS::ApiGatewayV2::Stage"):
        if res.properties["StageName"] == "limited":
            res.properties["AutoDeploy"] = False


def test_stage_without_auto_deploy_or_deployment_serves_nothing(tmp_path: Path) -> None:
    rig = HttpRig(tmp_path, tweak=_not_deployed)
    assert rig.request("GET", "/limited/items/1").status_code == 404


def test_preflight_is_answered_by_the_gateway(rig: HttpRig) -> None:
    resp = rig.request(
        "OPTIONS",
        "/items/1",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    # The API has a $default route, which catches OPTIONS (http-api-cors.html).
    assert rig.lambdas.events[-1]["routeKey"] == "$default"
    assert resp.status_code == 200


def _without_default_route(deployment: Deployment) -> None:
    for res in deployment.resources("AWS::ApiGatewayV2::Route"):
        if res.properties["RouteKey"] == "$default":
            res.properties["RouteKey"] = "GET /only"


def test_preflight_without_options_or_default_route_is_204_with_cors_headers(
    tmp_path: Path,
) -> None:
    rig = HttpRig(tmp_path, tweak=_without_default_route)
    resp = rig.request(
        "OPTIONS",
        "/files/a",  # ANY /files/{proxy+} does not take the preflight
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert resp.status_code == 204
    assert resp.headers["access-control-allow-origin"] == "https://app.example.com"
    assert resp.headers["access-control-allow-methods"] == "GET,POST"
    assert resp.headers["access-control-allow-headers"] == "authorization,content-type"
    assert resp.headers["access-control-allow-credentials"] == "true"
    assert resp.headers["access-control-max-age"] == "600"
    assert rig.lambdas.events == []
    other = rig.request(
        "OPTIONS",
        "/files/a",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert other.status_code == 204 and "access-control-allow-origin" not in other.headers


def test_cors_headers_replace_the_integrations_on_responses(rig: HttpRig) -> None:
    rig.lambdas.register(
        ECHO_ARN,
        lambda e: {
            "statusCode": 200,
            "headers": {"access-control-allow-origin": "*", "x-echo": "1"},
            "body": "{}",
        },
    )
    resp = rig.request("GET", "/items/1", headers={"Origin": "https://app.example.com"})
    assert resp.headers.get_list("access-control-allow-origin") == ["https://app.example.com"]
    assert resp.headers["access-control-expose-headers"] == "x-echo"
    plain = rig.request("GET", "/items/1")  # not a CORS request
    assert "access-control-allow-origin" not in plain.headers


def test_local_origin_on_the_default_port_also_allows_the_real_port(tmp_path: Path) -> None:
    rig = HttpRig(tmp_path, origins={"https://127.0.0.1:4443": "https://127.0.0.1:5555"})
    resp = rig.request("GET", "/items/1", headers={"Origin": "https://127.0.0.1:5555"})
    assert resp.headers["access-control-allow-origin"] == "https://127.0.0.1:5555"


def test_integration_timeout_is_503(rig: HttpRig) -> None:
    import asyncio

    async def slow(event: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(2)
        return {}

    rig.lambdas.register(ECHO_ARN, slow)
    resp = rig.request("GET", "/slow")  # TimeoutInMillis: 1000
    assert resp.status_code == 503
    assert resp.json() == {"message": "Service Unavailable"}


class _Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"path": self.path, "hdr": self.headers.get("x-thing")}).encode()
        self.send_response(207)
        self.send_header("content-type", "application/json")
        self.send_header("x-upstream", "yes")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_proxy_forwards_path_variables_query_and_headers(
    tmp_path: Path, upstream: str
) -> None:
    rig = HttpRig(tmp_path, upstream=upstream)
    resp = rig.request("GET", "/upstream/a/b?q=1", headers={"X-Thing": "t"})
    assert resp.status_code == 207
    assert resp.json() == {"path": "/a/b?q=1", "hdr": "t"}
    assert resp.headers["x-upstream"] == "yes"


def test_http_proxy_to_nothing_is_500(tmp_path: Path) -> None:
    rig = HttpRig(tmp_path, upstream="http://127.0.0.1:9")
    resp = rig.request("GET", "/upstream/x")
    assert resp.status_code == 500
    assert resp.json() == {"message": "Internal Server Error"}


def test_api_without_default_stage_or_route_is_404_outside_its_routes(rig: HttpRig) -> None:
    assert rig.request("GET", "/v1/hello", api_id=BARE_ID).status_code == 200
    assert rig.request("GET", "/v1/nothing", api_id=BARE_ID).status_code == 404
    assert rig.request("GET", "/hello", api_id=BARE_ID).status_code == 404  # no $default stage
    preflight = rig.request(
        "OPTIONS",
        "/v1/hello",
        api_id=BARE_ID,
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
