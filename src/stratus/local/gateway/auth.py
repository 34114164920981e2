"""The Cognito user-pool authorizer of a REST API method.

`jwt_verify.verify_cognito_token` does the cryptography and claim checks; this module adds
API Gateway's rules around it (which token kind a method accepts, the `Bearer ` prefix,
which messages reach the client), the string-only claims map of the proxy event, and a
bounded cache of verified tokens so an authenticated call does not re-verify RS256 each time.

Token kinds, as AWS: a method without AuthorizationScopes takes ID tokens; a method with
scopes takes only access tokens whose `scope` holds one of them (an ID token is then 401)
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html,
https://repost.aws/questions/QUrEQW0PtJTZm34jx0UrnLlw/need-access-token-as-header-in-cognito).
Called from `authorizers.Authorization` for COGNITO_USER_POOLS methods.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from stratus.local.cognito.jwt_verify import (
    TokenRejectedError,
    ensure_not_revoked,
    verify_cognito_token,
)
from stratus.local.core.contracts import TokenKeys
from stratus.local.gateway.config import Authorizer
from stratus.local.gateway.errors import EXPIRED_TOKEN, UNAUTHORIZED, GatewayError

_TIME_CLAIMS = ("exp", "iat", "auth_time")


class AuthFailure(Exception):
    def __init__(self, error: GatewayError, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason


class CognitoAuthorizers:
    """Verifies tokens for every Cognito authorizer; caches successes until the token expires."""

    def __init__(
        self,
        token_keys: TokenKeys,
        region: str,
        clock: Callable[[], float],
        max_entries: int = 4096,
    ) -> None:
        self._keys = token_keys
        self._region = region
        self._clock = clock
        self._max = max_entries
        # token -> (exp, the event's claims, the token's own claims: for revocation checks)
        self._cache: OrderedDict[
            tuple[str, str, tuple[str, ...]], tuple[float, dict[str, str], dict[str, Any]]
        ] = OrderedDict()
        self.verifications = 0  # full (uncached) verifications, for tests and benches

    def authorize(
        self, authorizer: Authorizer, scopes: tuple[str, ...], headers: Mapping[str, str]
    ) -> dict[str, str]:
        """Return the event's string claims, or raise AuthFailure (401)."""
        raw = headers.get(authorizer.header, "").strip()
        if not raw:
            raise AuthFailure(UNAUTHORIZED, "no token")
        # AWS: REST Cognito authorizers take the token with or without a "Bearer " prefix.
        token = raw[7:].strip() if raw[:7].lower() == "bearer " else raw
        now = self._clock()
        key = (token, authorizer.authorizer_id, scopes)
        cached = self._cache.get(key)
        if cached is not None:
            exp, claims, raw_claims = cached
            if exp > now:
                try:
                    ensure_not_revoked(raw_claims)  # a session may end while cached
                except TokenRejectedError as exc:
                    del self._cache[key]
                    raise AuthFailure(UNAUTHORIZED, exc.reason) from exc
                self._cache.move_to_end(key)
                return claims
            del self._cache[key]
            raise AuthFailure(EXPIRED_TOKEN, "expired")
        self.verifications += 1
        try:
            claims_raw = verify_cognito_token(
                token,
                jwks=self._keys.jwks(),
                region=self._region,
                pool_ids=authorizer.pool_ids,
                client_ids=authorizer.client_ids,
                # AWS: without scopes a method takes only ID tokens; with scopes, only
                # access tokens holding one of them.
                allowed_token_uses=("access",) if scopes else ("id",),
                required_scopes=scopes,
                now=now,
            )
        except TokenRejectedError as exc:
            error = EXPIRED_TOKEN if exc.reason == "expired" else UNAUTHORIZED
            raise AuthFailure(error, exc.reason) from exc
        claims = event_claims(claims_raw)
        self._cache[key] = (float(claims_raw["exp"]), claims, claims_raw)
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return claims


def event_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as the REST proxy event carries them: every value a string.

    AWS renders time claims as Java dates ("Wed Nov 25 01:02:03 UTC 2026"), booleans as
    "true"/"false" and lists (cognito:groups) comma-joined; copied here on purpose.
    """
    out: dict[str, str] = {}
    for name, value in claims.items():
        if name in _TIME_CLAIMS and isinstance(value, int | float):
            when = dt.datetime.fromtimestamp(value, dt.UTC)
            out[name] = when.strftime("%a %b %d %H:%M:%S UTC %Y")
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, list | tuple):
            out[name] = ",".join(str(v) for v in value)
        else:
            out[name] = str(value)
    return out
