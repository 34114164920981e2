"""Lambda TOKEN and REQUEST authorizers: input events, identity sources, the output policy,
the result cache, and 401 / 403 / 500 as AWS answers them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auth_rig import arn_of, fn_arn, lambda_authorizer, policy
from gateway_rig import Rig

AUTHZ = fn_arn("Authz")


def _rig(tmp_path: Path, handler: Any, kind: str = "TOKEN", **kw: Any) -> Rig:
    rig = Rig(tmp_path, tweak=lambda d: lambda_authorizer(d, kind, **kw))
    rig.lambdas.register(AUTHZ, handler)
    return rig


def _authz_events(rig: Rig) -> list[dict[str, Any]]:
    return [e for e in rig.lambdas.events if "methodArn" in e]


def _integration_events(rig: Rig) -> list[dict[str, Any]]:
    return [e for e in rig.lambdas.events if "methodArn" not in e]


def allow_all(event: dict[str, Any]) -> dict[str, Any]:
    return policy(
        "Allow",
        event["methodArn"],
        context={"tenant": "acme", "n": 7, "admin": True},
    )


def test_token_authorizer_gets_aws_input_and_its_context_reaches_the_integration(
    tmp_path: Path,
) -> None:
    rig = _rig(tmp_path, allow_all)
    resp = rig.request("GET", "/public/items/1", headers={"Authorization": "tok-1"})
    assert resp.status_code == 200, resp.text
    assert _authz_events(rig) == [
        {
            "type": "TOKEN",
            "authorizationToken": "tok-1",
            "methodArn": arn_of("GET", "/public/items/1"),
        }
    ]
    authorizer = _integration_events(rig)[0]["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "user-1"
    assert (authorizer["tenant"], authorizer["n"], authorizer["admin"]) == ("acme", "7", "true")
    assert isinstance(authorizer["integrationLatency"], int)


def test_missing_token_is_401_without_invoking_the_authorizer(tmp_path: Path) -> None:
    rig = _rig(tmp_path, allow_all)
    resp = rig.request("GET", "/public/x")
    assert (resp.status_code, resp.json()) == (401, {"message": "Unauthorized"})
    assert rig.lambdas.events == []


def test_token_failing_the_validation_expression_is_401_without_invoking(tmp_path: Path) -> None:
    rig = _rig(tmp_path, allow_all, expression="^Bearer [a-z0-9]+$")
    assert rig.request("GET", "/public/x", headers={"Authorization": "junk!"}).status_code == 401
    assert rig.lambdas.events == []
    assert (
        rig.request("GET", "/public/x", headers={"Authorization": "Bearer ok1"}).status_code == 200
    )


def test_explicit_deny_is_403_with_aws_body(tmp_path: Path) -> None:
    rig = _rig(tmp_path, lambda e: policy("Deny", e["methodArn"]))
    resp = rig.request("GET", "/public/x", headers={"Authorization": "t"})
    assert resp.status_code == 403
    assert resp.text == (
        '{"Message":"User is not authorized to access this resource with an explicit deny"}'
    )
    assert resp.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert _integration_events(rig) == []


def test_policy_for_another_method_is_403_not_authorized(tmp_path: Path) -> None:
    rig = _rig(tmp_path, lambda e: policy("Allow", arn_of("GET", "/public/only-this")))
    assert (
        rig.request("GET", "/public/only-this", headers={"Authorization": "a"}).status_code == 200
    )
    resp = rig.request("GET", "/public/other", headers={"Authorization": "b"})
    assert resp.status_code == 403
    assert resp.json() == {"Message": "User is not authorized to access this resource"}


def test_wildcard_policy_allows_every_method_of_the_stage(tmp_path: Path) -> None:
    rig = _rig(tmp_path, lambda e: policy("Allow", arn_of("*", "/*")))
    for verb in ("GET", "POST", "DELETE"):
        assert rig.request(verb, "/public/a/b", headers={"Authorization": "t"}).status_code == 200


def test_authorizer_raising_unauthorized_is_401(tmp_path: Path) -> None:
    def handler(event: dict[str, Any]) -> Any:
        raise Exception("Unauthorized")

    rig = _rig(tmp_path, handler)
    resp = rig.request("GET", "/public/x", headers={"Authorization": "t"})
    assert (resp.status_code, resp.json()) == (401, {"message": "Unauthorized"})


def test_authorizer_error_is_500_authorizer_configuration_exception(tmp_path: Path) -> None:
    def handler(event: dict[str, Any]) -> Any:
        raise RuntimeError("database down")

    rig = _rig(tmp_path, handler)
    resp = rig.request("GET", "/public/x", headers={"Authorization": "t"})
    assert (resp.status_code, resp.text) == (500, '{"message":null}')
    assert resp.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_malformed_output_is_500(tmp_path: Path) -> None:
    for bad in (
        {"principalId": "x"},  # no policyDocument
        policy("Allow", "*", context={"nested": {"a": 1}}),  # objects are not allowed
        "not an object",
    ):
        rig = _rig(tmp_path, lambda e, bad=bad: bad)
        assert rig.request("GET", "/public/x", headers={"Authorization": "t"}).status_code == 500


def test_cached_result_does_not_invoke_the_authorizer_again(tmp_path: Path) -> None:
    rig = _rig(tmp_path, allow_all)
    for _ in range(3):
        assert rig.request("GET", "/public/x", headers={"Authorization": "same"}).status_code == 200
    assert len(_authz_events(rig)) == 1
    assert _integration_events(rig)[-1]["requestContext"]["authorizer"]["integrationLatency"] == 0
    rig.request("GET", "/public/x", headers={"Authorization": "other"})
    assert len(_authz_events(rig)) == 2
    rig.clock.advance(301)  # the default TTL is 300 s
    rig.request("GET", "/public/x", headers={"Authorization": "same"})
    assert len(_authz_events(rig)) == 3


def test_cached_policy_is_evaluated_again_for_another_method(tmp_path: Path) -> None:
    rig = _rig(tmp_path, lambda e: policy("Allow", e["methodArn"]))
    assert rig.request("GET", "/public/a", headers={"Authorization": "t"}).status_code == 200
    # AWS's well-known pitfall: the cached policy names /public/a only.
    assert rig.request("GET", "/public/b", headers={"Authorization": "t"}).status_code == 403
    assert len(_authz_events(rig)) == 1


def test_ttl_zero_invokes_the_authorizer_every_time(tmp_path: Path) -> None:
    rig = _rig(tmp_path, allow_all, ttl=0)
    for _ in range(3):
        rig.request("GET", "/public/x", headers={"Authorization": "same"})
    assert len(_authz_events(rig)) == 3


def test_request_authorizer_takes_several_identity_sources(tmp_path: Path) -> None:
    rig = _rig(
        tmp_path,
        allow_all,
        kind="REQUEST",
        source="method.request.header.X-Tenant, method.request.querystring.key",
    )
    assert rig.request("GET", "/public/x", headers={"X-Tenant": "t"}).status_code == 401
    assert rig.request("GET", "/public/x", params={"key": "k"}).status_code == 401
    assert rig.lambdas.events == []
    resp = rig.request("GET", "/public/x", params={"key": "k"}, headers={"X-Tenant": "t"})
    assert resp.status_code == 200
    (event,) = _authz_events(rig)
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == arn_of("GET", "/public/x")
    assert event["resource"] == "/public/{proxy+}"
    assert event["path"] == "/public/x"
    assert event["headers"]["x-tenant"] == "t"
    assert event["queryStringParameters"] == {"key": "k"}
    assert event["pathParameters"] == {"proxy": "x"}
    assert event["requestContext"]["stage"] == "prod"
    assert "body" not in event
    # Cached per identity source values: another key invokes it again.
    rig.request("GET", "/public/y", params={"key": "k"}, headers={"X-Tenant": "t"})
    rig.request("GET", "/public/y", params={"key": "k2"}, headers={"X-Tenant": "t"})
    assert len(_authz_events(rig)) == 2


def test_request_authorizer_without_identity_source_and_cache_always_runs(
    tmp_path: Path,
) -> None:
    rig = _rig(tmp_path, allow_all, kind="REQUEST", source=None, ttl=0)
    assert rig.request("GET", "/public/x").status_code == 200
    assert rig.request("GET", "/public/x").status_code == 200
    assert len(_authz_events(rig)) == 2

