"""HTTP APIs (API Gateway v2) through a running cloud, from a CDK app
(tests/fixtures/apps/http_api): payload 2.0 and 1.0, $default route, 404, JWT authorizer
(Cognito pool of the same app) with 401/403, Lambda authorizer with simple responses, CORS
preflight and headers, a throttled stage with access logs, integration timeout and errors,
and an HTTP proxy to a server on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest
from aws_lambda_powertools.utilities.data_classes import (
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
)

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import copy_fixture_app

PASSWORD = "Correct-Horse-9-Battery!"

pytestmark = pytest.mark.integration


class _Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"upstream_path": self.path}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Env:
    cloud: LocalCloudHandle
    http: httpx.Client
    api: str  # ApiUrl, rewritten to the local gateway
    bare: str  # BareUrl (stage v1)
    id_token: str
    access_token: str


def _client(cloud: LocalCloudHandle, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    app_dir = copy_fixture_app(tmp_path_factory, "http_api", "http-api-app")
    port = upstream.server_address[1]
    proc, cloud = start_local_cloud(
        None, app_dir=app_dir, extra_args=["-c", f"upstream=http://127.0.0.1:{port}"]
    )
    try:
        idp = _client(cloud, "cognito-idp")
        pool, client_id = cloud.stack_output("UserPoolId"), cloud.stack_output("UserPoolClientId")
        idp.admin_create_user(UserPoolId=pool, Username="ann", MessageAction="SUPPRESS")
        idp.admin_set_user_password(
            UserPoolId=pool, Username="ann", Password=PASSWORD, Permanent=True
        )
        tokens = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        with httpx.Client(
            verify=ssl.create_default_context(cafile=str(cloud.ca_pem)), timeout=35
        ) as http_client:
            yield Env(
                cloud,
                http_client,
                str(cloud.stack_output("ApiUrl")),
                str(cloud.stack_output("BareUrl")),
                tokens["IdToken"],
                tokens["AccessToken"],
            )
    finally:
        stop_local_cloud(proc)
        upstream.shutdown()
        upstream.server_close()


def test_outputs_point_at_the_local_gateway(env: Env) -> None:
    origin = env.cloud.gateway_origin
    assert env.api.startswith(f"{origin}/httpapis/") and env.api.endswith("/")
    assert env.bare.startswith(f"{origin}/httpapis/") and env.bare.endswith("/v1")
    endpoint = env.cloud.stack_output("ApiEndpoint")
    assert env.api == endpoint + "/"


def test_payload_2_0_event(env: Env) -> None:
    resp = env.http.get(env.api + "items/42?a=1&a=2", headers={"Cookie": "c=1; d=2"})
    assert resp.status_code == 200 and resp.headers["x-echo"] == "yes"
    assert resp.headers["apigw-requestid"]
    event = APIGatewayProxyEventV2(resp.json())
    assert event.version == "2.0" and event.route_key == "GET /items/{id}"
    assert event.raw_path == "/items/42" and event.raw_query_string == "a=1&a=2"
    assert event.query_string_parameters == {"a": "1,2"}
    assert event.cookies == ["c=1", "d=2"]
    assert event.path_parameters == {"id": "42"}
    assert event.request_context.stage == "$default"
    assert event.request_context.http.method == "GET"


def test_payload_1_0_event(env: Env) -> None:
    resp = env.http.get(env.api + "v1/items/7?q=x")
    event = APIGatewayProxyEvent(resp.json())
    assert resp.json()["version"] == "1.0"
    assert event.resource == "/v1/items/{id}" and event.path_parameters == {"id": "7"}
    assert event.multi_value_query_string_parameters == {"q": ["x"]}


def test_default_route_plain_answer_and_404(env: Env) -> None:
    caught = env.http.delete(env.api + "no/such/route")
    assert caught.status_code == 200 and caught.json()["routeKey"] == "$default"
    plain = env.http.get(env.api + "plain")
    assert plain.status_code == 200 and plain.json() == {"hello": "plain"}
    assert plain.headers["content-type"] == "application/json"
    missing = env.http.get(env.bare + "/nothing")
    assert missing.status_code == 404 and missing.json() == {"message": "Not Found"}
    assert env.http.get(env.bare + "/hello").status_code == 200


def test_jwt_authorizer(env: Env) -> None:
    assert env.http.get(env.api + "me").status_code == 401
    bad = env.http.get(env.api + "me", headers={"Authorization": "Bearer a.b.c"})
    assert bad.status_code == 401 and bad.json() == {"message": "Unauthorized"}
    ok = env.http.get(env.api + "me", headers={"Authorization": f"Bearer {env.id_token}"})
    assert ok.status_code == 200
    claims = APIGatewayProxyEventV2(ok.json()).request_context.authorizer.jwt_claim
    assert claims["cognito:username"] == "ann"
    scoped = env.http.get(env.api + "orders", headers={"Authorization": env.access_token})
    assert scoped.status_code == 403 and scoped.json() == {"message": "Forbidden"}
    profile = env.http.get(env.api + "profile", headers={"Authorization": env.access_token})
    assert profile.status_code == 200


def test_lambda_authorizer_with_simple_responses(env: Env) -> None:
    ok = env.http.get(env.api + "custom", headers={"Authorization": "let-me-in"})
    assert ok.status_code == 200
    context = APIGatewayProxyEventV2(ok.json()).request_context.authorizer.get_lambda
    assert context == {"user": "lambda-user", "level": 3, "admin": True}
    denied = env.http.get(env.api + "custom", headers={"Authorization": "nope"})
    assert denied.status_code == 403 and denied.json() == {"message": "Forbidden"}
    missing = env.http.get(env.api + "custom")
    assert missing.status_code == 401 and missing.json() == {"message": "Unauthorized"}


def test_cors_preflight_and_response_headers(env: Env) -> None:
    preflight = env.http.options(
        env.bare + "/hello",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example.com"
    assert preflight.headers["access-control-max-age"] == "60"
    # The local origin on the gateway's default port is allowed on its real port too.
    local = env.cloud.gateway_origin
    resp = env.http.get(env.api + "items/1", headers={"Origin": local})
    assert resp.headers["access-control-allow-origin"] == local
    assert resp.headers["access-control-allow-credentials"] == "true"


def test_throttled_stage_and_its_access_log(env: Env) -> None:
    base = env.api + "limited/items/1"
    statuses = [env.http.get(base).status_code for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses
    first = env.http.get(env.api + "limited/plain")
    assert first.status_code in (200, 429)
    logs = _client(env.cloud, "logs")
    group = env.cloud.stack_output("AccessLogGroup")
    deadline = time.monotonic() + 5
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
        if any(" 429 " in line for line in lines):
            break
        time.sleep(0.2)
    assert any(line.endswith("GET /items/{id} 200 limited") for line in lines), lines
    assert any(line.endswith("GET /items/{id} 429 limited") for line in lines), lines


def test_stage_variables_reach_the_function(env: Env) -> None:
    time.sleep(1.1)  # the limited stage allows 1 request/s
    resp = env.http.get(env.api + "limited/files/x")
    assert resp.status_code == 200
    assert resp.json()["stageVariables"] == {"color": "blue"}


def test_integration_timeout_and_function_error(env: Env) -> None:
    slow = env.http.get(env.api + "slow")
    assert slow.status_code == 503 and slow.json() == {"message": "Service Unavailable"}
    boom = env.http.get(env.api + "boom")
    assert boom.status_code == 500 and boom.json() == {"message": "Internal Server Error"}


def test_http_proxy_integration(env: Env) -> None:
    resp = env.http.get(env.api + "upstream/a/b?x=1")
    assert resp.status_code == 200
    assert resp.json() == {"upstream_path": "/a/b?x=1"}


def test_apigatewayv2_reads_list_the_served_apis(env: Env) -> None:
    v2 = _client(env.cloud, "apigatewayv2")
    api_id = env.api.rstrip("/").rsplit("/", 1)[-1]
    names = {a["Name"]: a for a in v2.get_apis()["Items"]}
    assert names["Api"]["ApiId"] == api_id and names["Api"]["ProtocolType"] == "HTTP"
    assert names["Api"]["CorsConfiguration"]["AllowOrigins"][0] == "https://app.example.com"
    assert v2.get_api(ApiId=api_id)["ApiEndpoint"].endswith(".amazonaws.com")
    routes = {r["RouteKey"] for r in v2.get_routes(ApiId=api_id)["Items"]}
    assert {"GET /items/{id}", "$default", "GET /me"} <= routes
    stages = {s["StageName"]: s for s in v2.get_stages(ApiId=api_id)["Items"]}
    assert set(stages) == {"$default", "limited"}
    assert stages["limited"]["StageVariables"] == {"color": "blue"}
    kinds = {i["IntegrationType"] for i in v2.get_integrations(ApiId=api_id)["Items"]}
    assert kinds == {"AWS_PROXY", "HTTP_PROXY"}
