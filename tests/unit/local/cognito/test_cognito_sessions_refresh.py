"""Refresh as Cognito runs it: lifetimes per client, auth_time kept, rotation, expiry."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from cognito_rig import Rig
from sessions_rig import app, claims, error, refresh, sign_in


def test_tokens_carry_cognitos_claims_and_the_clients_lifetimes(rig: Rig) -> None:
    _, client = app(
        rig,
        AccessTokenValidity=5,
        IdTokenValidity=2,
        TokenValidityUnits={"AccessToken": "minutes", "IdToken": "hours"},
    )
    tokens = sign_in(rig, client)
    access, id_token = claims(rig, tokens["AccessToken"]), claims(rig, tokens["IdToken"])
    assert tokens["ExpiresIn"] == 300
    assert access["exp"] - access["iat"] == 300
    assert id_token["exp"] - id_token["iat"] == 7200
    for name in ("origin_jti", "jti", "event_id", "auth_time"):
        assert access[name] and id_token[name], name
    assert access["origin_jti"] == id_token["origin_jti"]
    assert access["event_id"] == id_token["event_id"]
    assert access["jti"] != id_token["jti"]
    assert access["auth_time"] == access["iat"]


def test_refresh_keeps_auth_time_and_origin_and_issues_on_the_moved_clock(rig: Rig) -> None:
    _, client = app(rig)
    first = sign_in(rig, client)
    rig.clock.advance(3700)  # past the default one hour
    again = refresh(rig, client, first["RefreshToken"])
    assert "RefreshToken" not in again  # InitiateAuth refresh hands out no new one
    old, new = claims(rig, first["AccessToken"]), claims(rig, again["AccessToken"])
    assert new["auth_time"] == old["auth_time"]
    assert new["origin_jti"] == old["origin_jti"]
    assert new["event_id"] != old["event_id"]
    assert new["iat"] >= old["iat"] + 3700
    assert new["exp"] - new["iat"] == 3600 == again["ExpiresIn"]


def test_get_tokens_from_refresh_token_answers_like_cognito(rig: Rig) -> None:
    _, client = app(rig)
    first = sign_in(rig, client)
    result = rig.idp.get_tokens_from_refresh_token(
        RefreshToken=first["RefreshToken"], ClientId=client
    )["AuthenticationResult"]
    assert set(result) == {"AccessToken", "IdToken", "ExpiresIn", "TokenType"}
    assert result["TokenType"] == "Bearer"
    user = rig.idp.get_user(AccessToken=result["AccessToken"])
    assert user["Username"] == "alice"


def test_expired_access_token_is_refused_by_get_user_and_refresh_mends_it(rig: Rig) -> None:
    _, client = app(rig)
    first = sign_in(rig, client)
    rig.clock.advance(3601)
    with pytest.raises(ClientError) as exc:
        rig.idp.get_user(AccessToken=first["AccessToken"])
    assert error(exc) == ("NotAuthorizedException", "Access Token has expired")
    fresh = refresh(rig, client, first["RefreshToken"])
    assert rig.idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "alice"


def test_refresh_token_expires_per_the_clients_validity(rig: Rig) -> None:
    _, client = app(rig, RefreshTokenValidity=2, TokenValidityUnits={"RefreshToken": "hours"})
    first = sign_in(rig, client)
    rig.clock.advance(7100)
    refresh(rig, client, first["RefreshToken"])  # still inside the two hours
    rig.clock.advance(200)
    for call in (
        lambda: refresh(rig, client, first["RefreshToken"]),
        lambda: rig.idp.get_tokens_from_refresh_token(
            RefreshToken=first["RefreshToken"], ClientId=client
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("NotAuthorizedException", "Refresh Token has expired")


def test_unknown_or_other_clients_refresh_token_is_invalid(rig: Rig) -> None:
    pool, client = app(rig)
    other = rig.idp.create_user_pool_client(UserPoolId=pool, ClientName="other")
    first = sign_in(rig, client)
    for client_id, token in (
        (client, "not-a-token"),
        (other["UserPoolClient"]["ClientId"], first["RefreshToken"]),
    ):
        with pytest.raises(ClientError) as exc:
            refresh(rig, client_id, token)
        assert error(exc) == ("NotAuthorizedException", "Invalid Refresh Token")


def test_rotation_issues_a_new_refresh_token_and_retires_the_old_after_grace(rig: Rig) -> None:
    _, client = app(rig, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 10})
    first = sign_in(rig, client)
    rotated = rig.idp.get_tokens_from_refresh_token(
        RefreshToken=first["RefreshToken"], ClientId=client
    )["AuthenticationResult"]
    new_token = rotated["RefreshToken"]
    assert new_token != first["RefreshToken"]
    assert (
        claims(rig, rotated["AccessToken"])["auth_time"]
        == claims(rig, first["AccessToken"])["auth_time"]
    )
    rig.clock.advance(5)  # inside the grace period: a retry with the old token works
    rig.idp.get_tokens_from_refresh_token(RefreshToken=first["RefreshToken"], ClientId=client)
    rig.clock.advance(10)
    with pytest.raises(ClientError) as exc:
        rig.idp.get_tokens_from_refresh_token(RefreshToken=first["RefreshToken"], ClientId=client)
    assert error(exc)[0] == "RefreshTokenReuseException"
    again = rig.idp.get_tokens_from_refresh_token(RefreshToken=new_token, ClientId=client)
    assert again["AuthenticationResult"]["RefreshToken"] not in (new_token, first["RefreshToken"])
    with pytest.raises(ClientError) as exc:  # rotation is done with GetTokensFromRefreshToken
        refresh(rig, client, new_token)
    assert error(exc)[0] == "InvalidParameterException"


def test_secret_client_needs_its_secret_to_refresh(rig: Rig) -> None:
    import base64
    import hashlib
    import hmac

    pool, client = app(rig, GenerateSecret=True)
    secret = rig.idp.describe_user_pool_client(UserPoolId=pool, ClientId=client)["UserPoolClient"][
        "ClientSecret"
    ]
    digest = hmac.new(secret.encode(), f"alice{client}".encode(), hashlib.sha256).digest()
    secret_hash = base64.b64encode(digest).decode()
    tokens = rig.idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x", "SECRET_HASH": secret_hash},
    )["AuthenticationResult"]
    with pytest.raises(ClientError) as exc:
        refresh(rig, client, tokens["RefreshToken"])
    assert error(exc)[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:
        rig.idp.initiate_auth(
            ClientId=client,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": "d3Jvbmc="},
        )
    assert error(exc) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client}",
    )
    ok = rig.idp.initiate_auth(
        ClientId=client,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"], "SECRET_HASH": secret_hash},
    )
    assert ok["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as exc:
        rig.idp.get_tokens_from_refresh_token(
            RefreshToken=tokens["RefreshToken"], ClientId=client, ClientSecret="w" * 30
        )
    assert error(exc)[0] == "NotAuthorizedException"
    result = rig.idp.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"], ClientId=client, ClientSecret=secret
    )
    assert result["AuthenticationResult"]["IdToken"]


def test_unsigned_refresh_reaches_a_pool_in_any_region(rig: Rig) -> None:
    """Amplify calls GetTokensFromRefreshToken and GlobalSignOut unsigned: the pool's own
    region is used."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    endpoint = rig.idp.meta.endpoint_url
    signed = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    pool = signed.create_user_pool(PoolName="eu")["UserPool"]["Id"]
    client = signed.create_user_pool_client(
        UserPoolId=pool, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    signed.admin_create_user(UserPoolId=pool, Username="eve")
    signed.admin_set_user_password(
        UserPoolId=pool, Username="eve", Password="Passw0rd!x", Permanent=True
    )
    anonymous = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        config=Config(signature_version=UNSIGNED),
    )
    tokens = anonymous.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "eve", "PASSWORD": "Passw0rd!x"},
    )["AuthenticationResult"]
    result = anonymous.get_tokens_from_refresh_token(
        RefreshToken=tokens["RefreshToken"], ClientId=client
    )["AuthenticationResult"]
    assert claims(rig, result["AccessToken"])["iss"].endswith(pool)
    anonymous.global_sign_out(AccessToken=result["AccessToken"])  # Amplify: unsigned too
    with pytest.raises(ClientError) as exc:
        anonymous.get_user(AccessToken=result["AccessToken"])
    assert error(exc) == ("NotAuthorizedException", "Access Token has been revoked")
