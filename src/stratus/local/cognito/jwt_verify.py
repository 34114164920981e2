"""Verify a Cognito user-pool token the way API Gateway and Cognito Identity do.

AWS checks the RS256 signature against the pool's JWKS, expiry, issuer, audience (ID token)
or client_id (access token) and token_use. moto checks none of these (measured), so the
local cloud does it here, once, for the gateway authorizer and the identity pool.
joserfc does the cryptography; only the Cognito-specific claim rules are written here.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet


class TokenRejectedError(Exception):
    """The token is not acceptable; `reason` says why (for logs, never for clients)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issuer_for(region: str, pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def verify_cognito_token(
    token: str,
    *,
    jwks: dict[str, Any],
    region: str,
    pool_ids: Collection[str],
    client_ids: Collection[str],
    allowed_token_uses: Collection[str] = ("id", "access"),
    required_scopes: Collection[str] = (),
    now: float | None = None,
    leeway_seconds: int = 0,
) -> dict[str, Any]:
    """Return the token's claims, or raise TokenRejectedError.

    `client_ids` are the app clients the token may be for; an ID token carries it in `aud`,
    an access token in `client_id`. With `required_scopes`, only an access token holding at
    least one of them passes (API Gateway's rule for methods with authorization scopes).
    """
    token = token.strip()
    if not token or token.count(".") != 2:
        raise TokenRejectedError("not a JWT")
    try:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        decoded = jwt.decode(token, key_set, algorithms=["RS256"])
    except (JoseError, ValueError) as exc:
        raise TokenRejectedError(f"signature: {exc.__class__.__name__}") from exc
    claims: dict[str, Any] = dict(decoded.claims)
    current = time.time() if now is None else now

    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp + leeway_seconds <= current:
        raise TokenRejectedError("expired")
    iat = claims.get("iat")
    if isinstance(iat, int | float) and iat - leeway_seconds > current + 300:
        raise TokenRejectedError("issued in the future")

    issuers = {issuer_for(region, pool_id) for pool_id in pool_ids}
    if claims.get("iss") not in issuers:
        raise TokenRejectedError("issuer")

    token_use = claims.get("token_use")
    if token_use not in allowed_token_uses:
        raise TokenRejectedError(f"token_use {token_use!r}")

    client = claims.get("aud") if token_use == "id" else claims.get("client_id")
    if client not in set(client_ids):
        raise TokenRejectedError("audience")

    if required_scopes:
        if token_use != "access":
            raise TokenRejectedError("scopes need an access token")
        granted = set(str(claims.get("scope", "")).split())
        if not granted.intersection(required_scopes):
            raise TokenRejectedError("scope")
    return claims
