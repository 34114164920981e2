"""The Cognito user-pool authorizer rejects what AWS rejects, with AWS's 401 bodies."""

from __future__ import annotations

from gateway_rig import ISSUER, Rig, RsaTokenKeys, id_claims

UNAUTHORIZED = {"message": "Unauthorized"}


def _get(rig: Rig, token: str | None, path: str = "/todos") -> tuple[int, dict[str, str], str]:
    headers = {} if token is None else {"Authorization": token}
    resp = rig.request("POST", path, headers=headers, json={})
    return resp.status_code, dict(resp.headers), resp.text


def test_valid_id_token_reaches_the_handler(rig: Rig) -> None:
    status, _, _ = _get(rig, rig.id_token())
    assert status == 200
    assert len(rig.lambdas.events) == 1


def test_bearer_prefix_is_accepted_as_aws_does(rig: Rig) -> None:
    assert _get(rig, "Bearer " + rig.id_token())[0] == 200


def test_missing_token_is_401_unauthorized(rig: Rig) -> None:
    status, headers, body = _get(rig, None)
    assert status == 401
    assert body == '{"message":"Unauthorized"}'
    assert headers["x-amzn-errortype"] == "UnauthorizedException"
    assert rig.lambdas.events == []


def test_expired_token_is_401_with_the_expiry_message(rig: Rig) -> None:
    token = rig.id_token(exp=int(rig.clock.now) - 1)
    status, _, body = _get(rig, token)
    assert (status, body) == (401, '{"message":"The incoming token has expired"}')


def test_token_that_expires_while_cached_is_rejected(rig: Rig) -> None:
    token = rig.id_token(exp=int(rig.clock.now) + 10)
    assert _get(rig, token)[0] == 200
    rig.clock.advance(11)
    assert _get(rig, token)[0] == 401


def test_forged_token_signed_by_another_key_is_401(rig: Rig) -> None:
    forged = RsaTokenKeys(kid=rig.keys.kid).sign(id_claims(rig.clock.now))
    assert _get(rig, forged)[:3:2] == (401, '{"message":"Unauthorized"}')


def test_tampered_payload_is_401(rig: Rig) -> None:
    head, _, sig = rig.id_token().split(".")
    other_payload = rig.id_token(sub="mallory").split(".")[1]
    assert _get(rig, f"{head}.{other_payload}.{sig}")[0] == 401


def test_wrong_audience_is_401(rig: Rig) -> None:
    assert _get(rig, rig.id_token(aud="some-other-client"))[0] == 401


def test_wrong_issuer_is_401(rig: Rig) -> None:
    assert _get(rig, rig.id_token(iss=ISSUER.replace("TestPool1", "OtherPool")))[0] == 401


def test_access_token_on_a_method_without_scopes_is_401(rig: Rig) -> None:
    assert _get(rig, rig.access_token())[0] == 401


def test_scoped_method_takes_an_access_token_with_the_scope(rig: Rig) -> None:
    resp = rig.request("GET", "/todos/42", headers={"Authorization": rig.access_token()})
    assert resp.status_code == 200
    assert rig.lambdas.events[-1]["pathParameters"] == {"id": "42"}


def test_scoped_method_rejects_id_tokens_and_missing_scopes(rig: Rig) -> None:
    id_resp = rig.request("GET", "/todos/42", headers={"Authorization": rig.id_token()})
    no_scope = rig.request(
        "GET", "/todos/42", headers={"Authorization": rig.access_token(scope="openid")}
    )
    assert (id_resp.status_code, no_scope.status_code) == (401, 401)


def test_garbage_token_is_401(rig: Rig) -> None:
    assert _get(rig, "not-a-jwt")[0] == 401


def test_verified_tokens_are_cached_until_they_expire(rig: Rig) -> None:
    token = rig.id_token()
    for _ in range(3):
        assert _get(rig, token)[0] == 200
    assert rig.app.authorization.cognito.verifications == 1


def test_unauthorized_gateway_response_template_and_headers_apply(rig: Rig) -> None:
    # The fixture declares UNAUTHORIZED with WWW-Authenticate and a
    # {"message":$context.error.messageString} template.
    status, headers, body = _get(rig, None)
    assert headers["www-authenticate"] == "Bearer"
    assert body == '{"message":"Unauthorized"}'
    assert status == 401


def test_token_whose_session_ends_while_cached_is_rejected(rig: Rig) -> None:
    """RevokeToken / sign-out end a session (`jwt_verify` asks Cognito's sessions by the
    token's origin_jti): a token the authorizer had cached as valid is refused from then."""
    from stratus.local.cognito import jwt_verify

    ended: set[str] = set()
    jwt_verify.install_revocations(lambda pool_id, origin_jti: origin_jti in ended)
    try:
        token = rig.id_token(origin_jti="session-1")
        other = rig.id_token(origin_jti="session-2")
        assert _get(rig, token)[0] == 200  # verified and cached
        ended.add("session-1")
        status, _, body = _get(rig, token)
        assert (status, body) == (401, '{"message":"Unauthorized"}')
        assert _get(rig, other)[0] == 200
    finally:
        jwt_verify.install_revocations(None)
