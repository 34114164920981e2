"""JWT and Lambda authorizers (http-api-jwt-authorizer.html, http-api-lambda-authorizer.html):
401 without or with a bad token, 403 without the route's scope or when the function says
no, claims and context in the event, the Lambda result cached by identity source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from http_rig import API_ID, AUTHORIZER_ARN, HttpRig

from stratus.local.provision.model import Deployment


def test_jwt_route_without_token_is_401(rig: HttpRig) -> None:
    resp = rig.request("GET", "/me")
    assert resp.status_code == 401
    assert resp.json() == {"message": "Unauthorized"}
    assert rig.lambdas.events == []


def test_jwt_route_with_valid_token_passes_string_claims(rig: HttpRig) -> None:
    resp = rig.request("GET", "/me", headers={"Authorization": f"Bearer {rig.token()}"})
    assert resp.status_code == 200
    event = APIGatewayProxyEventV2(rig.last_event())
    claims = event.request_context.authorizer.jwt_claim
    assert claims["username"] == "alice"
    assert claims["cognito:groups"] == "[admins users]"  # AWS's array serialization
    assert claims["exp"] == str(int(rig.clock.now) + 3600)
    assert event.request_context.authorizer.jwt_scopes == ["aws.cognito.signin.user.admin"]


def test_jwt_token_is_taken_without_bearer_prefix_too(rig: HttpRig) -> None:
    resp = rig.request("GET", "/me", headers={"Authorization": rig.token()})
    assert resp.status_code == 200


def test_jwt_bad_tokens_are_401_with_the_reason_in_www_authenticate(rig: HttpRig) -> None:
    cases = {
        "expired": rig.token(exp=int(rig.clock.now) - 1),
        "issuer": rig.token(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
        "audience": rig.token(client_id="someone-else"),
        "not a JWT": "abc.def",
    }
    for what, token in cases.items():
        resp = rig.request("GET", "/me", headers={"Authorization": token})
        assert resp.status_code == 401, what
        assert resp.json() == {"message": "Unauthorized"}
        assert 'error="invalid_token"' in resp.headers["www-authenticate"], what


def test_jwt_token_signed_by_another_key_is_401(rig: HttpRig, tmp_path: Path) -> None:
    other = HttpRig(tmp_path)  # its own RSA key
    resp = rig.request("GET", "/me", headers={"Authorization": other.token()})
    assert resp.status_code == 401


def test_id_token_with_aud_passes_a_route_without_scopes(rig: HttpRig) -> None:
    token = rig.token(client_id=None, aud=rig.deployment_client_id(), scope=None)
    assert rig.request("GET", "/me", headers={"Authorization": token}).status_code == 200


def test_missing_scope_is_403_forbidden(rig: HttpRig) -> None:
    resp = rig.request("GET", "/orders", headers={"Authorization": rig.token()})
    assert resp.status_code == 403
    assert resp.json() == {"message": "Forbidden"}
    assert 'error="insufficient_scope"' in resp.headers["www-authenticate"]
    ok = rig.request("GET", "/orders", headers={"Authorization": rig.token(scope="orders/read")})
    assert ok.status_code == 200
    assert rig.request("GET", "/profile", headers={"Authorization": rig.token()}).status_code == 200


def test_lambda_authorizer_simple_response_allows_and_passes_context(rig: HttpRig) -> None:
    resp = rig.request("GET", "/custom", headers={"Authorization": "let-me-in"})
    assert resp.status_code == 200
    auth_event, event = rig.lambdas.events[-2], rig.lambdas.events[-1]
    assert auth_event["version"] == "2.0" and auth_event["type"] == "REQUEST"
    assert auth_event["identitySource"] == ["let-me-in"]
    assert auth_event["routeArn"] == (
        f"arn:aws:execute-api:us-east-1:000000000000:{API_ID}/$default/GET/custom"
    )
    assert auth_event["routeKey"] == "GET /custom"
    typed = APIGatewayProxyEventV2(event)
    assert typed.request_context.authorizer.get_lambda == {"user": "lambda-user", "level": 3}


def test_lambda_authorizer_denial_is_403_and_missing_identity_401(rig: HttpRig) -> None:
    denied = rig.request("GET", "/custom", headers={"Authorization": "nope"})
    assert denied.status_code == 403 and denied.json() == {"message": "Forbidden"}
    calls = len(rig.lambdas.events)
    missing = rig.request("GET", "/custom")
    assert missing.status_code == 401 and missing.json() == {"message": "Unauthorized"}
    assert len(rig.lambdas.events) == calls  # the authorizer is not invoked


def test_lambda_authorizer_result_is_cached_for_its_ttl(rig: HttpRig) -> None:
    for _ in range(3):
        rig.request("GET", "/custom", headers={"Authorization": "let-me-in"})
    assert rig.app.lambda_authorizers.invocations == 1
    rig.clock.advance(31)  # AuthorizerResultTtlInSeconds: 30
    rig.request("GET", "/custom", headers={"Authorization": "let-me-in"})
    assert rig.app.lambda_authorizers.invocations == 2


def test_lambda_authorizer_error_or_bad_answer_is_500(rig: HttpRig) -> None:
    def broken(event: dict[str, Any]) -> Any:
        raise RuntimeError("authorizer crashed")

    rig.lambdas.register(AUTHORIZER_ARN, broken)
    resp = rig.request("GET", "/custom", headers={"Authorization": "x1"})
    assert resp.status_code == 500 and resp.json() == {"message": "Internal Server Error"}
    rig.lambdas.register(AUTHORIZER_ARN, lambda e: {"isAuthorized": "yes"})
    assert rig.request("GET", "/custom", headers={"Authorization": "x2"}).status_code == 500


def _iam_policy_authorizer(deployment: Deployment) -> None:
    for res in deployment.resources("AWS::ApiGatewayV2::Authorizer"):
        if res.properties["AuthorizerType"] == "REQUEST":
            res.properties["EnableSimpleResponses"] = False


def test_lambda_authorizer_iam_policy_is_evaluated_against_the_route_arn(
    tmp_path: Path,
) -> None:
    rig = HttpRig(tmp_path, tweak=_iam_policy_authorizer)

    def policy(event: dict[str, Any]) -> dict[str, Any]:
        effect = "Allow" if event["headers"].get("authorization") == "ok" else "Deny"
        return {
            "principalId": "user-1",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect, "Resource": "arn:aws:*"}
                ],
            },
            "context": {"tier": "gold"},
        }

    rig.lambdas.register(AUTHORIZER_ARN, policy)
    assert rig.request("GET", "/custom", headers={"Authorization": "ok"}).status_code == 200
    assert rig.last_event()["requestContext"]["authorizer"] == {"lambda": {"tier": "gold"}}
    assert rig.request("GET", "/custom", headers={"Authorization": "no"}).status_code == 403
