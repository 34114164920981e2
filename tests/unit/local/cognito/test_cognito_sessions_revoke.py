"""Ending sessions as Cognito does: RevokeToken, global sign-out, disabled and deleted users."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from cognito_rig import Rig
from sessions_rig import app, claims, error, refresh, sign_in

from stratus.local.cognito import jwt_verify


def _refused(rig: Rig, call: object, expected: tuple[str, str]) -> None:
    with pytest.raises(ClientError) as exc:
        call()  # type: ignore[operator]
    assert error(exc) == expected


def test_revoke_token_ends_that_session_only(rig: Rig) -> None:
    _, client = app(rig)
    phone, laptop = sign_in(rig, client), sign_in(rig, client)
    assert rig.idp.revoke_token(Token=phone["RefreshToken"], ClientId=client)
    revoked = ("NotAuthorizedException", "Refresh Token has been revoked")
    _refused(rig, lambda: refresh(rig, client, phone["RefreshToken"]), revoked)
    _refused(
        rig,
        lambda: rig.idp.get_tokens_from_refresh_token(
            RefreshToken=phone["RefreshToken"], ClientId=client
        ),
        revoked,
    )
    _refused(
        rig,
        lambda: rig.idp.get_user(AccessToken=phone["AccessToken"]),
        ("NotAuthorizedException", "Access Token has been revoked"),
    )
    # jwt_verify (the gateway's and identity pools' check) refuses the ID token too
    id_claims = claims(rig, phone["IdToken"])
    with pytest.raises(jwt_verify.TokenRejectedError):
        jwt_verify.ensure_not_revoked(id_claims)
    # the other session goes on
    assert rig.idp.get_user(AccessToken=laptop["AccessToken"])["Username"] == "alice"
    refresh(rig, client, laptop["RefreshToken"])


def test_revoke_token_rules(rig: Rig) -> None:
    pool, client = app(rig)
    tokens = sign_in(rig, client)
    _refused(
        rig,
        lambda: rig.idp.revoke_token(Token=tokens["AccessToken"], ClientId=client),
        ("UnsupportedTokenTypeException", "Only refresh tokens can be revoked."),
    )
    assert rig.idp.revoke_token(Token="never-issued", ClientId=client) is not None
    off = rig.idp.create_user_pool_client(
        UserPoolId=pool, ClientName="off", EnableTokenRevocation=False
    )["UserPoolClient"]["ClientId"]
    with pytest.raises(ClientError) as exc:
        rig.idp.revoke_token(Token=tokens["RefreshToken"], ClientId=off)
    assert error(exc)[0] == "UnsupportedOperationException"
    secret = rig.idp.create_user_pool_client(
        UserPoolId=pool, ClientName="secret", GenerateSecret=True
    )["UserPoolClient"]
    with pytest.raises(ClientError) as exc:
        rig.idp.revoke_token(
            Token=tokens["RefreshToken"], ClientId=secret["ClientId"], ClientSecret="x" * 30
        )
    assert error(exc)[0] == "UnauthorizedException"
    with pytest.raises(ClientError) as exc:  # right secret, but not this client's token
        rig.idp.revoke_token(
            Token=tokens["RefreshToken"],
            ClientId=secret["ClientId"],
            ClientSecret=secret["ClientSecret"],
        )
    assert error(exc)[0] == "UnauthorizedException"
    refresh(rig, client, tokens["RefreshToken"])  # none of those revoked it


def test_global_sign_out_ends_every_session_of_the_user(rig: Rig) -> None:
    _, client = app(rig)
    phone, laptop = sign_in(rig, client), sign_in(rig, client)
    rig.idp.global_sign_out(AccessToken=phone["AccessToken"])
    for tokens in (phone, laptop):
        _refused(
            rig,
            lambda t=tokens: rig.idp.get_user(AccessToken=t["AccessToken"]),
            ("NotAuthorizedException", "Access Token has been revoked"),
        )
        _refused(
            rig,
            lambda t=tokens: refresh(rig, client, t["RefreshToken"]),
            ("NotAuthorizedException", "Refresh Token has been revoked"),
        )
    _refused(
        rig,
        lambda: rig.idp.change_password(
            AccessToken=laptop["AccessToken"],
            PreviousPassword="Passw0rd!x",
            ProposedPassword="Passw0rd!y",
        ),
        ("NotAuthorizedException", "Access Token has been revoked"),
    )
    fresh = sign_in(rig, client)  # signing in again starts a new session
    assert rig.idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == "alice"


def test_admin_sign_out_and_disable_end_sessions(rig: Rig) -> None:
    pool, client = app(rig)
    first = sign_in(rig, client)
    rig.idp.admin_user_global_sign_out(UserPoolId=pool, Username="alice")
    _refused(
        rig,
        lambda: rig.idp.update_user_attributes(
            AccessToken=first["AccessToken"], UserAttributes=[{"Name": "name", "Value": "A"}]
        ),
        ("NotAuthorizedException", "Access Token has been revoked"),
    )
    second = sign_in(rig, client)
    rig.idp.admin_disable_user(UserPoolId=pool, Username="alice")
    _refused(
        rig,
        lambda: rig.idp.get_user(AccessToken=second["AccessToken"]),
        ("NotAuthorizedException", "Access Token has been revoked"),
    )


def test_delete_user_removes_the_user_and_kills_its_tokens(rig: Rig) -> None:
    pool, client = app(rig)
    tokens = sign_in(rig, client)
    rig.idp.delete_user(AccessToken=tokens["AccessToken"])
    with pytest.raises(ClientError) as exc:
        rig.idp.admin_get_user(UserPoolId=pool, Username="alice")
    assert error(exc)[0] == "UserNotFoundException"
    _refused(
        rig,
        lambda: rig.idp.get_user(AccessToken=tokens["AccessToken"]),
        ("NotAuthorizedException", "Access Token has been revoked"),
    )
    _refused(
        rig,
        lambda: refresh(rig, client, tokens["RefreshToken"]),
        ("NotAuthorizedException", "Refresh Token has been revoked"),
    )


def test_admin_delete_user_kills_its_tokens(rig: Rig) -> None:
    pool, client = app(rig)
    tokens = sign_in(rig, client)
    rig.idp.admin_delete_user(UserPoolId=pool, Username="alice")
    _refused(
        rig,
        lambda: rig.idp.get_user(AccessToken=tokens["AccessToken"]),
        ("NotAuthorizedException", "Access Token has been revoked"),
    )


def test_forged_or_id_token_is_not_an_access_token(rig: Rig) -> None:
    _, client = app(rig)
    tokens = sign_in(rig, client)
    invalid = ("NotAuthorizedException", "Invalid Access Token")
    _refused(rig, lambda: rig.idp.get_user(AccessToken=tokens["IdToken"]), invalid)
    head, body, _ = tokens["AccessToken"].split(".")
    _refused(rig, lambda: rig.idp.get_user(AccessToken=f"{head}.{body}.AAAA"), invalid)
    _refused(rig, lambda: rig.idp.delete_user(AccessToken="garbage"), invalid)
