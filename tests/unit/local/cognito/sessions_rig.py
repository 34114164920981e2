"""Helpers for the session tests: a signed-in user, a token's verified claims, errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from cognito_rig import Rig
from joserfc import jwt
from joserfc.jwk import KeySet


def claims(rig: Rig, token: str) -> dict[str, Any]:
    """A token's claims, its signature checked against the rig's keys."""
    keys = KeySet.import_key_set(rig.keys.jwks())
    return dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def app(rig: Rig, **client: Any) -> tuple[str, str]:
    """(pool, client id) with a confirmed user 'alice'; `client` extends the app client."""
    pool = rig.idp.create_user_pool(PoolName="sessions", AutoVerifiedAttributes=["email"])
    pool_id = pool["UserPool"]["Id"]
    client_id = rig.idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **client,
    )["UserPoolClient"]["ClientId"]
    rig.confirmed_user(pool_id)
    verified = [
        {"Name": "email", "Value": "alice@example.com"},
        {"Name": "email_verified", "Value": "true"},
    ]
    rig.idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username="alice", UserAttributes=verified
    )
    return pool_id, client_id


def sign_in(rig: Rig, client_id: str) -> dict[str, Any]:
    result: dict[str, Any] = rig.login(client_id)["AuthenticationResult"]
    return result


def refresh(rig: Rig, client_id: str, token: str) -> dict[str, Any]:
    result: dict[str, Any] = rig.idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": token},
    )["AuthenticationResult"]
    return result
