"""API Gateway's own status codes and bodies: 403, 413, 500, 502, 504, GatewayResponses."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from gateway_rig import API_ID, FUNCTION_ARN, Rig, without_limits

MISSING = '{"message":"Missing Authentication Token"}'


def test_unknown_path_is_403_missing_authentication_token(rig: Rig) -> None:
    resp = rig.request("GET", "/nope")
    assert resp.status_code == 403
    assert resp.text == MISSING
    assert resp.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert resp.headers["x-amzn-requestid"] and resp.headers["x-amz-apigw-id"]


def test_unknown_method_on_a_known_resource_is_403(rig: Rig) -> None:
    resp = rig.request("DELETE", "/todos", headers={"Authorization": rig.id_token()})
    assert (resp.status_code, resp.text) == (403, MISSING)


def test_unknown_stage_is_403(rig: Rig) -> None:
    async def go() -> Any:
        async with rig.client() as client:
            return await client.get(f"/restapis/{API_ID}/nostage/public/x")

    assert asyncio.run(go()).status_code == 403


def test_default_4xx_gateway_response_headers_apply(rig: Rig) -> None:
    # The fixture's DEFAULT_4XX adds Access-Control-Allow-Origin: * to every 4XX.
    assert rig.request("GET", "/nope").headers["access-control-allow-origin"] == "*"


def test_options_without_a_declared_method_is_403(tmp_path: Path) -> None:
    def drop_options(deployment: Any) -> None:
        without_limits(deployment)
        stack = deployment.stacks["GwFixture"]
        for logical in [k for k in stack.resources if k.startswith("ApitodosOPTIONS")]:
            del stack.resources[logical]

    rig = Rig(tmp_path, tweak=drop_options)
    assert rig.request("OPTIONS", "/todos").status_code == 403


def _rig_with(tmp_path: Path, handler: Any) -> Rig:
    return Rig(tmp_path, tweak=without_limits, handler=handler)


def test_malformed_lambda_response_is_502(tmp_path: Path) -> None:
    for bad in (
        {"body": "no status"},
        {"statusCode": 200, "body": {"not": "a string"}},
        [1, 2],
        b"not json",
    ):
        rig = _rig_with(tmp_path, lambda event, bad=bad: bad)
        resp = rig.request("GET", "/public/x")
        assert resp.status_code == 502, bad
        assert resp.json() == {"message": "Internal server error"}
        assert resp.text == '{"message": "Internal server error"}'


def test_function_error_is_502(tmp_path: Path) -> None:
    def boom(event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("secret details")

    resp = _rig_with(tmp_path, boom).request("GET", "/public/x")
    assert resp.status_code == 502
    assert "secret" not in resp.text


def test_lambda_throttling_is_500_as_aws(rig: Rig) -> None:
    rig.lambdas.throttle = True
    resp = rig.request("GET", "/public/x")
    assert (resp.status_code, resp.json()) == (500, {"message": "Internal server error"})


def test_missing_function_is_500(rig: Rig) -> None:
    del rig.lambdas.handlers[FUNCTION_ARN]
    assert rig.request("GET", "/public/x").status_code == 500


def test_integration_timeout_is_504(tmp_path: Path) -> None:
    async def slow(event: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(5)
        return {"statusCode": 200, "body": ""}

    rig = _rig_with(tmp_path, slow)
    # GET /todos declares TimeoutInMillis 200 in the fixture.
    resp = rig.request("GET", "/todos", headers={"Authorization": rig.id_token()})
    assert resp.status_code == 504
    assert resp.json() == {"message": "Endpoint request timed out"}


def test_body_over_10_mb_is_413(rig: Rig) -> None:
    resp = rig.request("POST", "/public/x", content=b"x" * (10 * 1024 * 1024 + 1))
    assert resp.status_code == 413
    assert json.loads(resp.text) == {"message": "Request Too Long"}
    assert rig.lambdas.events == []


def test_non_gateway_paths_go_to_the_extra_routes(rig: Rig) -> None:
    async def go() -> Any:
        async with rig.client() as client:
            return await client.get("/index.html")

    assert asyncio.run(go()).status_code == 404


def test_aws_iam_method_needs_a_valid_sigv4_signature(tmp_path: Path) -> None:
    """Guards against the old gap (a known key with any signature passed); the full rules
    are in test_gateway_iam.py."""

    def iam(deployment: Any) -> None:
        without_limits(deployment)
        for res in deployment.resources("AWS::ApiGateway::Method"):
            if res.logical_id.startswith("ApipublicproxyANY"):
                res.properties["AuthorizationType"] = "AWS_IAM"

    rig = Rig(tmp_path, tweak=iam)
    forged = "AWS4-HMAC-SHA256 Credential={}/20261118/us-east-1/execute-api/aws4_request, S=x"
    assert rig.request("GET", "/public/x").status_code == 403
    for key in ("AKIANOPE", "test"):
        headers = {"Authorization": forged.format(key), "X-Amz-Date": "20261118T000000Z"}
        assert rig.request("GET", "/public/x", headers=headers).status_code == 403


# -- GatewayResponse templates (simple substitution, not Velocity, as AWS) ----------------
def _with_response(props: dict[str, Any]) -> Any:
    def tweak(deployment: Any) -> None:
        without_limits(deployment)
        stack = deployment.stacks["GwFixture"]
        from stratus.local.provision.model import Resource

        stack.resources["Custom403"] = Resource(
            "GwFixture",
            "Custom403",
            "AWS::ApiGateway::GatewayResponse",
            {"RestApiId": API_ID, "ResponseType": "MISSING_AUTHENTICATION_TOKEN", **props},
            physical_id="custom403",
        )

    return tweak


def test_gateway_response_template_substitutes_context_and_stage_variables(
    tmp_path: Path,
) -> None:
    template = (
        '{"error": $context.error.messageString, "type": "$context.error.responseType", '
        '"id": "$context.requestId", "table": "$stageVariables.table", '
        '"raw": "$context.error.message"}'
    )
    rig = Rig(
        tmp_path,
        tweak=_with_response(
            {
                "StatusCode": "404",
                "ResponseTemplates": {"application/json": template},
                "ResponseParameters": {
                    "gatewayresponse.header.X-Static": "'fixed'",
                    "gatewayresponse.header.X-Query": "method.request.querystring.q",
                    "gatewayresponse.header.X-Hdr": "method.request.header.X-Trace",
                },
            }
        ),
    )
    resp = rig.request("GET", "/nope?q=abc", headers={"X-Trace": "t-1"})
    assert resp.status_code == 404
    assert resp.json() == {
        "error": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
        "id": resp.headers["x-amzn-requestid"],
        "table": "todos",
        "raw": "Missing Authentication Token",
    }
    assert (resp.headers["x-static"], resp.headers["x-query"], resp.headers["x-hdr"]) == (
        "fixed",
        "abc",
        "t-1",
    )


def test_gateway_response_template_is_not_velocity(tmp_path: Path) -> None:
    template = '#if($context.error.message)yes#end {"m":"$context.error.message"}'
    rig = Rig(tmp_path, tweak=_with_response({"ResponseTemplates": {"text/plain": template}}))
    resp = rig.request("GET", "/nope")
    assert resp.status_code == 403
    assert (
        resp.text == '#if(Missing Authentication Token)yes#end {"m":"Missing Authentication Token"}'
    )
    assert resp.headers["content-type"].startswith("text/plain")


def test_gateway_response_with_a_bad_status_code_keeps_the_default(tmp_path: Path) -> None:
    rig = Rig(tmp_path, tweak=_with_response({"StatusCode": "4o4"}))
    resp = rig.request("GET", "/nope")
    assert (resp.status_code, resp.text) == (403, MISSING)


def test_default_5xx_applies_when_no_specific_response_is_declared(tmp_path: Path) -> None:
    def tweak(deployment: Any) -> None:
        _with_response({})(deployment)
        res = deployment.stacks["GwFixture"].resources["Custom403"]
        res.properties.update(
            ResponseType="DEFAULT_5XX",
            ResponseTemplates={"application/json": '{"oops": "$context.error.responseType"}'},
        )

    rig = Rig(tmp_path, tweak=tweak)
    rig.lambdas.throttle = True
    resp = rig.request("GET", "/public/x")
    assert (resp.status_code, resp.json()) == (500, {"oops": "INTEGRATION_FAILURE"})
