"""The gateway's Cognito authorizer and API Gateway's own answers, over real HTTPS."""

from __future__ import annotations

import ssl
import time

import httpx
from joserfc.jwk import RSAKey

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import User, mint_token, signing_key


def test_valid_id_token_reaches_the_handler(api: httpx.Client, alice: User) -> None:
    response = api.get("todos", headers=alice.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["items"], list) and "next" in body


def test_missing_token_is_401_unauthorized(api: httpx.Client) -> None:
    response = api.get("todos")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_forged_token_signed_by_another_key_is_401(
    api: httpx.Client, local_cloud: LocalCloudHandle
) -> None:
    rogue = RSAKey.generate_key(2048)
    token = mint_token(local_cloud, rogue, kid=signing_key(local_cloud).thumbprint())
    assert api.get("todos", headers={"Authorization": token}).status_code == 401


def test_expired_token_is_401(api: httpx.Client, local_cloud: LocalCloudHandle) -> None:
    key = signing_key(local_cloud)
    past = int(time.time()) - 7200
    token = mint_token(local_cloud, key, kid=None, iat=past, auth_time=past, exp=past + 3600)
    assert api.get("todos", headers={"Authorization": token}).status_code == 401


def test_wrong_audience_is_401(api: httpx.Client, local_cloud: LocalCloudHandle) -> None:
    token = mint_token(local_cloud, signing_key(local_cloud), kid=None, aud="some-other-app-client")
    assert api.get("todos", headers={"Authorization": token}).status_code == 401


def test_wrong_issuer_is_401(api: httpx.Client, local_cloud: LocalCloudHandle) -> None:
    token = mint_token(
        local_cloud,
        signing_key(local_cloud),
        kid=None,
        iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other",
    )
    assert api.get("todos", headers={"Authorization": token}).status_code == 401


def test_correctly_signed_token_for_the_pool_is_accepted(
    api: httpx.Client, local_cloud: LocalCloudHandle
) -> None:
    """Guards the four tests above: the same minting path with nothing wrong passes."""
    token = mint_token(local_cloud, signing_key(local_cloud), kid=None)
    assert api.get("todos", headers={"Authorization": token}).status_code == 200


def test_tampered_payload_is_401(api: httpx.Client, alice: User, bob: User) -> None:
    header, _, signature = alice.id_token.split(".")
    body = bob.id_token.split(".")[1]
    assert (
        api.get("todos", headers={"Authorization": f"{header}.{body}.{signature}"}).status_code
        == 401
    )


def test_unknown_path_is_403_missing_authentication_token(api: httpx.Client, alice: User) -> None:
    response = api.get("nowhere", headers=alice.auth)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_unknown_method_is_403_missing_authentication_token(api: httpx.Client, alice: User) -> None:
    response = api.put("todos", headers=alice.auth, json={})
    assert response.status_code == 403


def test_cors_preflight_answers_as_declared(
    api: httpx.Client, local_cloud: LocalCloudHandle
) -> None:
    # The app declares the local web origin https://127.0.0.1:4443; the session cloud serves
    # it on its own port, and the preflight names that (test_load_and_bad_input has more).
    response = api.options(
        "todos",
        headers={
            "Origin": local_cloud.gateway_origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code in (200, 204)
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-origin"] in ("*", local_cloud.gateway_origin)


def test_https_is_served_with_the_local_ca(local_cloud: LocalCloudHandle) -> None:
    with httpx.Client(verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem))) as client:
        assert client.get(local_cloud.gateway_origin + "/").status_code == 200
    with httpx.Client(verify=True) as client:
        try:
            client.get(local_cloud.gateway_origin + "/")
        except httpx.ConnectError:
            return
    raise AssertionError("the local certificate must not be trusted without the local CA")
