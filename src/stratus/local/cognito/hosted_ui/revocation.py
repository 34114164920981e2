"""Refresh-token revocation for `/oauth2/revoke`, on moto's own records.

"Revokes a refresh token and all access tokens that were issued from it"
(https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html). moto
marks a signed-out refresh token by setting its record to None (REFRESH_TOKEN_AUTH then
answers NotAuthorized "Refresh Token has been revoked"); the access tokens issued from it
are the ones whose `origin_jti` is the refresh token's. Both changes go through the
journal (`durable.mutate`) so a revocation survives a restart, as `cognito.pools` does for
its direct changes.
"""

from __future__ import annotations

import asyncio
import base64
import json

from stratus.local.cognito import pools
from stratus.local.core.durable import mutate, operation


class NotRevocableError(Exception):
    """The token is not a live refresh token of this client."""


async def revoke(pool_id: str, client_id: str, refresh_token: str) -> None:
    pool = pools.pool_by_id(pool_id)
    record = None if pool is None else pool.refresh_tokens.get(refresh_token)
    if record is None:
        if pool is not None and refresh_token in pool.refresh_tokens:
            return  # already revoked: RFC 7009 §2.2 answers 200 all the same
        raise NotRevocableError("unknown refresh token")
    if record[0] != client_id:
        raise NotRevocableError("refresh token of another client")
    await asyncio.to_thread(
        mutate, "cognito.hosted-ui-revoke", pool_id=pool_id, refresh_token=refresh_token
    )


def _origin_jti(token: str) -> str | None:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return claims.get("origin_jti") if isinstance(claims, dict) else None


@operation("cognito.hosted-ui-revoke", services=("cognito-idp",))
def _revoke(pool_id: str, refresh_token: str) -> None:
    pool = pools.pool_by_id(pool_id)
    if pool is None:
        return
    record = pool.refresh_tokens.get(refresh_token)
    if record is None:
        return
    origin = record[2]
    pool.refresh_tokens[refresh_token] = None
    for token in [t for t in pool.access_tokens if _origin_jti(t) == origin]:
        del pool.access_tokens[token]
    for token in [t for t in pool.id_tokens if _origin_jti(t) == origin]:
        del pool.id_tokens[token]
