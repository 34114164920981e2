"""The proxy event (payload format 1.0) is the one API Gateway sends, field for field."""

from __future__ import annotations

import base64
import json
from typing import Any

from gateway_rig import (
    ACCOUNT,
    API_ID,
    CLIENT_ID,
    FUNCTION_ARN,
    NOW,
    ROOT_ID,
    Rig,
    without_limits,
)


def _event(rig: Rig) -> dict[str, Any]:
    return rig.lambdas.events[-1]


def test_proxy_event_carries_path_params_multi_value_query_and_headers(rig: Rig) -> None:
    resp = rig.request(
        "GET",
        "/public/a/b/c?tag=x&tag=y&single=1&empty=",
        headers=[("X-Multi", "one"), ("X-Multi", "two"), ("User-Agent", "rig/1")],
    )
    assert resp.status_code == 200
    event = _event(rig)
    assert event["resource"] == "/public/{proxy+}"
    assert event["path"] == "/public/a/b/c"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"proxy": "a/b/c"}
    assert event["queryStringParameters"] == {"tag": "y", "single": "1", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {
        "tag": ["x", "y"],
        "single": ["1"],
        "empty": [""],
    }
    assert event["headers"]["x-multi"] == "two"
    assert event["multiValueHeaders"]["x-multi"] == ["one", "two"]
    assert event["headers"]["X-Forwarded-For"] == "203.0.113.7"
    assert event["headers"]["X-Forwarded-Proto"] == "https"
    assert event["stageVariables"] == {"table": "todos"}
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_request_context_names_stage_path_resource_and_identity(rig: Rig) -> None:
    rig.request("GET", "/public/x", headers={"User-Agent": "rig/1"})
    ctx = _event(rig)["requestContext"]
    assert ctx["resourcePath"] == "/public/{proxy+}"
    assert ctx["path"] == "/prod/public/x"
    assert ctx["stage"] == "prod"
    assert ctx["httpMethod"] == "GET"
    assert ctx["apiId"] == API_ID
    assert ctx["accountId"] == ACCOUNT
    assert ctx["protocol"] == "HTTP/1.1"
    assert ctx["requestTimeEpoch"] == int(NOW * 1000)
    assert ctx["requestTime"] == "18/Nov/2026:11:06:40 +0000"
    assert ctx["domainName"] == "127.0.0.1:4443"
    assert ctx["domainPrefix"] == API_ID
    assert ctx["resourceId"] not in ("", ROOT_ID)
    assert ctx["identity"]["sourceIp"] == "203.0.113.7"
    assert ctx["identity"]["userAgent"] == "rig/1"
    assert ctx["identity"]["accessKey"] is None and ctx["identity"]["cognitoIdentityId"] is None
    assert "authorizer" not in ctx  # no authorizer on this method


def test_empty_maps_are_null_as_aws_sends_them(rig: Rig) -> None:
    rig.request("GET", "/public/x")
    event = _event(rig)
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_request_ids_reach_the_event_and_response_headers(rig: Rig) -> None:
    resp = rig.request("GET", "/public/x")
    ctx = _event(rig)["requestContext"]
    assert resp.headers["x-amzn-requestid"] == ctx["requestId"]
    assert resp.headers["x-amz-apigw-id"] == ctx["extendedRequestId"]


def test_binary_media_type_body_is_base64_and_text_body_is_not(rig: Rig) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    rig.request("POST", "/public/upload", content=png, headers={"Content-Type": "image/png"})
    event = _event(rig)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == png
    rig.request(
        "POST", "/public/upload", content=b'{"a": 1}', headers={"Content-Type": "application/json"}
    )
    event = _event(rig)
    assert event["isBase64Encoded"] is False
    assert event["body"] == '{"a": 1}'


def test_cognito_claims_are_all_strings_in_the_authorizer_context(rig: Rig) -> None:
    resp = rig.request("POST", "/todos", headers={"Authorization": rig.id_token()}, json={"t": 1})
    assert resp.status_code == 200
    claims = _event(rig)["requestContext"]["authorizer"]["claims"]
    assert claims["sub"] == "11111111-2222-3333-4444-555555555555"
    assert claims["aud"] == CLIENT_ID
    assert claims["email_verified"] == "true"
    assert claims["cognito:groups"] == "admins,users"
    assert claims["exp"] == "Wed Nov 18 12:06:40 UTC 2026"
    assert all(isinstance(v, str) for v in claims.values())


def test_function_arn_from_the_integration_uri_is_invoked(rig: Rig) -> None:
    rig.request("GET", "/public/x")
    assert rig.lambdas.handlers[FUNCTION_ARN] is not None and len(rig.lambdas.events) == 1


def test_lambda_headers_and_multi_value_headers_are_merged(tmp_path: Any) -> None:
    def handler(event: dict[str, Any]) -> dict[str, Any]:
        return {
            "statusCode": 201,
            "headers": {"X-One": "1", "X-Both": "single"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Both": ["m1", "m2"]},
            "body": "created",
        }

    rig = Rig(tmp_path, tweak=without_limits, handler=handler)
    resp = rig.request("GET", "/public/x")
    assert resp.status_code == 201
    assert resp.text == "created"
    assert resp.headers["x-one"] == "1"
    assert resp.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert resp.headers.get_list("x-both") == ["m1", "m2"]  # multiValueHeaders win, as AWS
    assert resp.headers["content-type"] == "application/json"  # AWS's default


def test_base64_response_is_decoded_only_when_accept_is_binary(tmp_path: Any) -> None:
    png = b"\x89PNG\x00\x01"

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(png).decode(),
            "isBase64Encoded": True,
        }

    rig = Rig(tmp_path, tweak=without_limits, handler=handler)
    assert rig.request("GET", "/public/p.png", headers={"Accept": "image/png"}).content == png
    text = rig.request("GET", "/public/p.png", headers={"Accept": "application/json"}).text
    assert text == base64.b64encode(png).decode()


def test_event_is_valid_json_the_handler_can_echo(rig: Rig) -> None:
    resp = rig.request("GET", "/public/x?q=1")
    assert json.loads(resp.text)["queryStringParameters"] == {"q": "1"}
