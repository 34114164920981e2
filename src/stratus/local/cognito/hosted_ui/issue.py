"""Tokens the hosted UI hands out: user tokens from the local Cognito's own sign-in, with
the OAuth scopes and nonce the authorize request named; machine tokens for the client
credentials grant, signed with the installation's Cognito key.

User tokens: Cognito's access token from managed login carries the granted scopes in
`scope` (not the SDK's `aws.cognito.signin.user.admin` unless that scope was requested),
and the ID token the request's `nonce`; an ID token is issued only with the `openid` scope
(https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html,
https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html).

Client credentials: "The access token ... `sub` is the app client ID" and it carries
`token_use: access`, `scope`, `client_id`, `auth_time`, `iss`, `exp`, `iat`, `jti`,
`version: 2` and no user claims
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from joserfc import jwt

from stratus.local.cognito.hosted_ui.cognito_api import ClaimsEdit
from stratus.local.cognito.jwt_verify import issuer_for
from stratus.local.cognito.keys import LocalTokenKeys

SDK_SCOPE = "aws.cognito.signin.user.admin"  # what an API sign-in's access token holds


def scope_edit(scopes: list[str], nonce: str | None, email: str | None = None) -> ClaimsEdit:
    """The claims edit for tokens issued to an OAuth request. `email`: the user's e-mail
    attribute; moto's ID token of an e-mail sign-in pool names the `email` claim after the
    user name it was issued to, which is the pool's own user name here."""

    def edit(claims: dict[str, Any]) -> dict[str, Any]:
        if claims.get("token_use") == "access":
            # The OAuth scopes replace the SDK sign-in's default; scopes a pre token
            # generation trigger added are kept.
            added = [
                s
                for s in str(claims.get("scope", "")).split()
                if s != SDK_SCOPE and s not in scopes
            ]
            claims["scope"] = " ".join([*scopes, *added])
            claims["version"] = 2
        else:
            if nonce:
                claims["nonce"] = nonce
            if email and "email" in claims:
                claims["email"] = email
        return claims

    return edit


def oauth_tokens(result: dict[str, Any], scopes: list[str]) -> dict[str, Any]:
    """An AuthenticationResult as the token endpoint's JSON (RFC 6749 §5.1 names)."""
    out: dict[str, Any] = {
        "access_token": result["AccessToken"],
        "expires_in": int(result.get("ExpiresIn", 3600)),
        "token_type": "Bearer",
    }
    if "openid" in scopes and result.get("IdToken"):
        out["id_token"] = result["IdToken"]
    if result.get("RefreshToken"):
        out["refresh_token"] = result["RefreshToken"]
    return out


def client_credentials_token(
    keys: LocalTokenKeys,
    *,
    region: str,
    pool_id: str,
    client_id: str,
    scopes: list[str],
    lifetime: int,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    now = int(clock())
    claims = {
        "sub": client_id,
        "token_use": "access",
        "scope": " ".join(scopes),
        "auth_time": now,
        "iss": issuer_for(region, pool_id),
        "exp": now + lifetime,
        "iat": now,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client_id,
    }
    header = {"alg": "RS256", "kid": keys.kid}
    token = jwt.encode(header, claims, keys.private_key)
    return {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"}
