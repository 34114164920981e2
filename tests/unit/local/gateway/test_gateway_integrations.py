"""The gateway's integration types on the fixture's `ANY /public/{proxy+}` method, rewired per
test: Lambda non-proxy (templates, errorMessage selection), AWS service requests as API
Gateway sends them (action and path URIs, X-Amz-Target, SigV4 with the role's session),
HTTP and HTTP_PROXY failures (timeout 504, refused 500), passthrough 415 and required
parameters. The backend HTTP traffic goes to an httpx MockTransport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_rig import FUNCTION_ARN, REGION, Rig, method_props, without_limits

from stratus.local.gateway.integrations.aws_service import parse_uri, xml_to_json
from stratus.local.provision.model import Deployment

ROLE = "arn:aws:iam::000000000000:role/ApiRole"
LAMBDA_URI = (
    f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
)


def rewire(integration: dict[str, Any], **method: Any) -> Callable[[Deployment], None]:
    def tweak(deployment: Deployment) -> None:
        without_limits(deployment)
        props = method_props(deployment, "ApipublicproxyANY")
        props["Integration"] = integration
        props.update(method)

    return tweak


def backend(rig: Rig, answer: Callable[[httpx.Request], Any]) -> list[httpx.Request]:
    """Send the rig's integration HTTP traffic to `answer`; returns the requests seen."""
    seen: list[httpx.Request] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        result = answer(request)
        if asyncio.iscoroutine(result):
            result = await result
        assert isinstance(result, httpx.Response)
        return result

    rig.app.integrations.make_client = lambda: httpx.AsyncClient(
        transport=httpx.MockTransport(handle)
    )
    return seen


# -- Lambda non-proxy ------------------------------------------------------------------
def greeter(event: dict[str, Any]) -> dict[str, Any]:
    if str(event.get("name", "")).startswith("Invalid"):
        raise ValueError(f"Invalid name {event['name']}")
    return {"hello": event.get("name"), "path": event.get("path")}


LAMBDA = {
    "Type": "AWS",
    "IntegrationHttpMethod": "POST",
    "Uri": LAMBDA_URI,
    "RequestTemplates": {
        "application/json": '{"name": $input.json(\'$.name\'), "path": "$input.params(\'proxy\')"}'
    },
    "IntegrationResponses": [
        {"StatusCode": "200", "ResponseTemplates": {"application/json": "$input.json('$')"}},
        {
            "StatusCode": "422",
            "SelectionPattern": "Invalid.*",
            "ResponseParameters": {"method.response.header.X-Error": "'yes'"},
            "ResponseTemplates": {
                "application/json": '{"error": "$input.path(\'$.errorMessage\')"}'
            },
        },
    ],
}


def test_lambda_non_proxy_gets_the_mapped_event_and_its_result_is_mapped(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=rewire(LAMBDA), handler=greeter)
    response = rig.request("POST", "/public/a/b", json={"name": "ada"})
    assert response.status_code == 200, response.text
    assert rig.lambdas.events == [{"name": "ada", "path": "a/b"}]
    assert response.json() == {"hello": "ada", "path": "a/b"}


def test_a_function_error_is_selected_by_its_error_message(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=rewire(LAMBDA), handler=greeter)
    response = rig.request("POST", "/public/x", json={"name": "Invalid Joe"})
    assert (response.status_code, response.json()) == (422, {"error": "Invalid name Invalid Joe"})
    assert response.headers["x-error"] == "yes"


def test_an_unmatched_function_error_takes_the_default_response(tmp_path: Path) -> None:
    def boom(event: dict[str, Any]) -> Any:
        raise RuntimeError("kaput")

    rig = Rig(tmp_path, tweak=rewire(LAMBDA), handler=boom)
    response = rig.request("POST", "/public/x", json={"name": "x"})
    # AWS: with no matching pattern the default integration response answers (200).
    assert response.status_code == 200
    assert response.json()["errorMessage"] == "kaput"


def test_strict_passthrough_refuses_an_unmapped_content_type_with_415(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=rewire({**LAMBDA, "PassthroughBehavior": "NEVER"}))
    response = rig.request(
        "POST", "/public/x", content=b"a=b", headers={"Content-Type": "text/plain"}
    )
    assert (response.status_code, response.json()) == (415, {"message": "Unsupported Media Type"})
    assert rig.lambdas.events == []


# -- AWS services ----------------------------------------------------------------------
def service(uri: str, template: str = "$input.body", **extra: Any) -> dict[str, Any]:
    return {
        "Type": "AWS",
        "IntegrationHttpMethod": "POST",
        "Uri": uri,
        "Credentials": ROLE,
        "RequestTemplates": {"application/json": template},
        "IntegrationResponses": [
            {"StatusCode": "200"},
            {"StatusCode": "400", "SelectionPattern": "4\\d{2}"},
        ],
        **extra,
    }


@pytest.mark.parametrize(
    ("service_name", "action", "target", "content_type", "scope"),
    [
        (
            "kinesis",
            "PutRecord",
            "Kinesis_20131202.PutRecord",
            "application/x-amz-json-1.1",
            "kinesis",
        ),
        (
            "states",
            "StartExecution",
            "AWSStepFunctions.StartExecution",
            "application/x-amz-json-1.0",
            "states",
        ),
        ("dynamodb", "Query", "DynamoDB_20120810.Query", "application/x-amz-json-1.0", "dynamodb"),
    ],
)
def test_json_service_actions_are_sent_with_their_target_signed_by_the_role(
    tmp_path: Path, service_name: str, action: str, target: str, content_type: str, scope: str
) -> None:
    rig = Rig(
        tmp_path,
        tweak=rewire(service(f"arn:aws:apigateway:{REGION}:{service_name}:action/{action}")),
    )
    seen = backend(rig, lambda r: httpx.Response(200, json={"ok": True}))
    response = rig.request("POST", "/public/x", json={"a": 1})
    assert (response.status_code, response.json()) == (200, {"ok": True})
    sent = seen[0]
    assert (sent.method, sent.url.path, json.loads(sent.content)) == ("POST", "/", {"a": 1})
    assert sent.headers["x-amz-target"] == target
    assert sent.headers["content-type"] == content_type
    key = sent.headers["authorization"].split("Credential=", 1)[1].split("/")
    assert key[2:4] == [REGION, scope]
    principal = rig.ctx.credentials.lookup(key[0])
    assert principal is not None and principal.role_arn == ROLE
    assert sent.headers["x-amz-security-token"] == principal.session_token


def test_query_service_actions_carry_action_and_mapped_parameters(tmp_path: Path) -> None:
    uri = f"arn:aws:apigateway:{REGION}:sns:action/Publish"
    integration = service(
        uri,
        RequestParameters={
            "integration.request.querystring.TopicArn": "'arn:aws:sns:us-east-1:000000000000:t'",
            "integration.request.querystring.Message": "method.request.body.text",
        },
    )
    del integration["RequestTemplates"]
    rig = Rig(tmp_path, tweak=rewire(integration))
    xml = (
        b'<PublishResponse xmlns="x"><PublishResult><MessageId>m1</MessageId>'
        b"</PublishResult></PublishResponse>"
    )
    seen = backend(
        rig, lambda r: httpx.Response(200, content=xml, headers={"Content-Type": "text/xml"})
    )
    response = rig.request("POST", "/public/x", json={"text": "hi there"})
    assert response.json() == {"PublishResponse": {"PublishResult": {"MessageId": "m1"}}}
    sent = seen[0]
    assert dict(sent.url.params) == {
        "Action": "Publish",
        "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
        "Message": "hi there",
    }
    assert sent.content == b""  # the client's JSON is nothing to a query-protocol service


def test_path_uris_fill_placeholders_and_the_service_status_selects(tmp_path: Path) -> None:
    uri = f"arn:aws:apigateway:{REGION}:s3:path/my-bucket/{{key}}"
    integration = service(
        uri,
        IntegrationHttpMethod="GET",
        RequestParameters={"integration.request.path.key": "method.request.path.proxy"},
    )
    rig = Rig(tmp_path, tweak=rewire(integration))
    seen = backend(rig, lambda r: httpx.Response(404, content=b"<Error/>"))
    response = rig.request("GET", "/public/dir/a b.txt")
    assert response.status_code == 400  # "4\d{2}" selected the 400 response
    assert seen[0].method == "GET"
    assert seen[0].url.raw_path == b"/my-bucket/dir/a%20b.txt"
    assert "x-amz-content-sha256" in seen[0].headers


def test_a_service_integration_without_credentials_is_500(tmp_path: Path) -> None:
    integration = service(f"arn:aws:apigateway:{REGION}:sqs:action/SendMessage")
    del integration["Credentials"]
    rig = Rig(tmp_path, tweak=rewire(integration))
    response = rig.request("POST", "/public/x", json={})
    assert (response.status_code, response.json()) == (500, {"message": "Internal server error"})


def test_uri_forms() -> None:
    assert parse_uri("arn:aws:apigateway:eu-west-1:sqs:path/123/q") is not None
    target = parse_uri("arn:aws:apigateway:eu-west-1:bucket.s3:path/key")
    assert target is not None
    assert (target.region, target.subdomain, target.service, target.kind, target.api) == (
        "eu-west-1",
        "bucket",
        "s3",
        "path",
        "key",
    )
    assert parse_uri("https://example.com") is None


def test_query_xml_becomes_json_with_member_lists() -> None:
    xml = (
        b'<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult>'
        b"<Topics><member><TopicArn>a</TopicArn></member><member><TopicArn>b</TopicArn></member>"
        b"</Topics></ListTopicsResult></ListTopicsResponse>"
    )
    assert json.loads(xml_to_json(xml)) == {
        "ListTopicsResponse": {
            "ListTopicsResult": {"Topics": [{"TopicArn": "a"}, {"TopicArn": "b"}]}
        }
    }


# -- HTTP ------------------------------------------------------------------------------
HTTP_PROXY = {
    "Type": "HTTP_PROXY",
    "IntegrationHttpMethod": "ANY",
    "Uri": "http://upstream.test/{proxy}",
    "RequestParameters": {"integration.request.path.proxy": "method.request.path.proxy"},
}


def test_http_proxy_over_its_timeout_is_504(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=rewire({**HTTP_PROXY, "TimeoutInMillis": 50}))

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1)
        return httpx.Response(200)

    backend(rig, slow)
    response = rig.request("GET", "/public/x")
    assert (response.status_code, response.json()) == (
        504,
        {"message": "Endpoint request timed out"},
    )


def test_an_unreachable_http_endpoint_is_500(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=rewire(HTTP_PROXY))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    backend(rig, refuse)
    response = rig.request("GET", "/public/x")
    assert (response.status_code, response.json()) == (500, {"message": "Internal server error"})


def test_http_proxy_returns_the_backend_answer_as_is(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=rewire(HTTP_PROXY))
    seen = backend(rig, lambda r: httpx.Response(418, content=b"teapot", headers={"X-Up": "1"}))
    response = rig.request("DELETE", "/public/a/b?x=1&x=2", headers={"X-Mine": "m"})
    assert (response.status_code, response.content, response.headers["x-up"]) == (
        418,
        b"teapot",
        "1",
    )
    sent = seen[0]
    assert (sent.method, str(sent.url)) == ("DELETE", "http://upstream.test/a/b?x=1&x=2")
    assert sent.headers["x-mine"] == "m"
    assert sent.headers["host"] == "upstream.test"


# -- required parameters -----------------------------------------------------------------
def with_params_validator(deployment: Deployment) -> None:
    from stratus.local.provision.model import Resource

    rewire(HTTP_PROXY)(deployment)
    stack = deployment.stacks["GwFixture"]
    stack.resources["ParamsValidator"] = Resource(
        "GwFixture",
        "ParamsValidator",
        "AWS::ApiGateway::RequestValidator",
        {"RestApiId": "a1b2c3d4e5", "ValidateRequestParameters": "true"},
        physical_id="pv1",
    )
    stack.resources["BadParams"] = Resource(
        "GwFixture",
        "BadParams",
        "AWS::ApiGateway::GatewayResponse",
        {
            "RestApiId": "a1b2c3d4e5",
            "ResponseType": "BAD_REQUEST_PARAMETERS",
            "ResponseTemplates": {
                "application/json": '{"why": "$context.error.validationErrorString"}'
            },
        },
        physical_id="gr1",
    )
    props = method_props(deployment, "ApipublicproxyANY")
    props["RequestValidatorId"] = "pv1"
    props["RequestParameters"] = {
        "method.request.path.proxy": True,
        "method.request.header.X-Tenant": True,
        "method.request.querystring.page": True,
    }


def test_missing_required_parameters_never_reach_the_integration(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=with_params_validator)
    seen = backend(rig, lambda r: httpx.Response(200))
    response = rig.request("GET", "/public/x", params={"page": " "})
    assert response.status_code == 400
    assert response.json() == {"why": "Missing required request parameters: [X-Tenant, page]"}
    assert response.headers["x-amzn-errortype"] == "BadRequestException"
    assert seen == []
    ok = rig.request("GET", "/public/x", params={"page": "1"}, headers={"x-tenant": "t"})
    assert ok.status_code == 200


def test_content_handling_converts_to_text_and_to_binary(tmp_path: Path) -> None:
    # A text request body decoded for S3; the binary answer (its type is one of the API's
    # BinaryMediaTypes) base64-encoded for the client.
    integration = service(
        f"arn:aws:apigateway:{REGION}:s3:path/b/k",
        IntegrationHttpMethod="PUT",
        ContentHandling="CONVERT_TO_BINARY",
    )
    del integration["RequestTemplates"]
    integration["IntegrationResponses"] = [
        {"StatusCode": "200", "ContentHandling": "CONVERT_TO_TEXT"}
    ]
    tweak = rewire(integration)

    def with_binary_types(deployment: Deployment) -> None:
        tweak(deployment)
        api = next(deployment.resources("AWS::ApiGateway::RestApi"))
        api.properties["BinaryMediaTypes"] = ["application/octet-stream"]

    rig = Rig(tmp_path, tweak=with_binary_types)
    seen = backend(
        rig,
        lambda r: httpx.Response(
            200, content=b"\x89PNG", headers={"Content-Type": "application/octet-stream"}
        ),
    )
    response = rig.request("PUT", "/public/x", content=b"aGVsbG8=")
    assert seen[0].content == b"hello"
    assert response.content == b"iVBORw=="
    bad = rig.request("PUT", "/public/x", content=b"not base64!")
    assert bad.status_code == 500
