"""Payload 2.0 and 1.0 events and the response rules, as the HTTP API docs describe them
(http-api-develop-integrations-lambda.html), read back through Powertools' data classes."""

from __future__ import annotations

import base64
import json

from aws_lambda_powertools.utilities.data_classes import (
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
)
from http_rig import ACCOUNT, API_ID, NOW, HttpRig


def test_v2_event_has_every_documented_field(rig: HttpRig) -> None:
    resp = rig.request(
        "GET",
        "/items/42?tag=a&tag=b&x=1",
        headers=[
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("User-Agent", "rig/1"),
            ("Cookie", "s=1; theme=dark"),
        ],
    )
    assert resp.status_code == 200
    event = rig.last_event()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/42"
    assert event["rawQueryString"] == "tag=a&tag=b&x=1"
    assert event["cookies"] == ["s=1", "theme=dark"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "one,two"  # lower-cased, comma-joined
    assert event["headers"]["x-forwarded-for"] == "203.0.113.7"
    assert event["queryStringParameters"] == {"tag": "a,b", "x": "1"}
    assert event["pathParameters"] == {"id": "42"}
    assert "stageVariables" not in event and "body" not in event  # empty: left out
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["accountId"] == ACCOUNT and ctx["apiId"] == API_ID
    assert ctx["domainName"] == "127.0.0.1:4443" and ctx["domainPrefix"] == API_ID
    assert ctx["http"] == {
        "method": "GET",
        "path": "/items/42",
        "protocol": "HTTP/1.1",
        "sourceIp": "203.0.113.7",
        "userAgent": "rig/1",
    }
    assert ctx["requestId"] == "req-1234567890="
    assert ctx["routeKey"] == "GET /items/{id}" and ctx["stage"] == "$default"
    assert ctx["timeEpoch"] == int(NOW * 1000)
    assert ctx["time"].endswith(" +0000")
    assert "authorizer" not in ctx
    typed = APIGatewayProxyEventV2(event)
    assert typed.path == "/items/42" and typed.http_method == "GET"
    assert typed.resolved_cookies_field == {"s": "1", "theme": "dark"}
    assert typed.get_query_string_value("x") == "1"
    assert typed.request_context.http.source_ip == "203.0.113.7"


def test_named_stage_keeps_its_segment_in_raw_path_and_sends_stage_variables(
    rig: HttpRig,
) -> None:
    rig.request("GET", "/limited/items/7")
    event = rig.last_event()
    assert event["rawPath"] == "/limited/items/7"
    assert event["requestContext"]["stage"] == "limited"
    assert event["stageVariables"] == {"color": "blue"}
    assert APIGatewayProxyEventV2(event).path == "/items/7"  # Powertools strips the stage


def test_text_body_is_sent_as_text_and_binary_as_base64(rig: HttpRig) -> None:
    rig.request("POST", "/items", json={"name": "x"})
    event = rig.last_event()
    assert json.loads(event["body"]) == {"name": "x"} and event["isBase64Encoded"] is False
    rig.request("POST", "/items", content=b"\x89PNG\x00", headers={"content-type": "image/png"})
    event = rig.last_event()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\x00"


def test_plain_json_answer_becomes_200_application_json(rig: HttpRig) -> None:
    resp = rig.request("GET", "/plain")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.json() == {"hello": "plain"}
    assert resp.headers["apigw-requestid"] == "req-1234567890="


def test_string_answer_is_the_body_itself(rig: HttpRig) -> None:
    rig.lambdas.register(rig.deployment_echo_arn(), lambda e: "Hello from Lambda!")
    resp = rig.request("GET", "/items/1")
    assert resp.status_code == 200 and resp.text == "Hello from Lambda!"


def test_cookies_become_set_cookie_headers(rig: HttpRig) -> None:
    resp = rig.request("GET", "/files/a/cookies")
    assert resp.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Secure"]
    assert resp.headers["x-echo"] == "yes"


def test_base64_answer_is_decoded(rig: HttpRig) -> None:
    rig.lambdas.register(
        rig.deployment_echo_arn(),
        lambda e: {
            "statusCode": 201,
            "headers": {"content-type": "image/png"},
            "body": base64.b64encode(b"\x89PNG").decode(),
            "isBase64Encoded": True,
        },
    )
    resp = rig.request("GET", "/items/1")
    assert resp.status_code == 201 and resp.content == b"\x89PNG"


def test_function_error_and_malformed_answer_are_500(rig: HttpRig) -> None:
    resp = rig.request("GET", "/boom")
    assert resp.status_code == 500
    assert resp.json() == {"message": "Internal Server Error"}
    rig.lambdas.register(rig.deployment_echo_arn(), lambda e: b"not json")
    assert rig.request("GET", "/items/1").status_code == 500
    rig.lambdas.register(rig.deployment_echo_arn(), lambda e: {"statusCode": "teapot"})
    assert rig.request("GET", "/items/1").status_code == 500


def test_v1_event_is_the_rest_proxy_shape_with_version(rig: HttpRig) -> None:
    rig.request("GET", "/v1/items/9?q=a&q=b", headers={"X-Thing": "1"})
    event = rig.last_event()
    assert event["version"] == "1.0"
    assert event["resource"] == "/v1/items/{id}"
    assert event["path"] == "/v1/items/9"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["x-thing"] == "1"
    assert event["multiValueQueryStringParameters"] == {"q": ["a", "b"]}
    assert event["pathParameters"] == {"id": "9"}
    assert event["stageVariables"] is None and event["body"] is None
    ctx = event["requestContext"]
    assert ctx["stage"] == "$default" and ctx["resourcePath"] == "/v1/items/{id}"
    assert ctx["authorizer"] == {"claims": None, "scopes": None}
    typed = APIGatewayProxyEvent(event)
    assert typed.path == "/v1/items/9" and typed.path_parameters == {"id": "9"}
    assert typed.request_context.identity.source_ip == "203.0.113.7"


def test_v1_answer_without_status_code_is_500(rig: HttpRig) -> None:
    rig.lambdas.register(rig.deployment_echo_arn(), lambda e: {"hello": "plain"})
    assert rig.request("GET", "/v1/items/1").status_code == 500
