"""Check a web identity token for AssumeRoleWithWebIdentity, as STS does.

STS accepts an OpenID Connect ID token only from an issuer registered in the account as an
IAM OIDC identity provider, for an audience in that provider's client ids, with a valid
signature and not expired
(https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html).
A local user pool's tokens are checked with its own key (`cognito/jwt_verify.py`); any other
issuer's keys are fetched from its discovery document (`<iss>/.well-known/openid-configuration`
-> `jwks_uri`) and kept ten minutes. joserfc does the cryptography.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from stratus.local.cognito.jwt_verify import TokenRejectedError, verify_cognito_token
from stratus.local.iam.directory import OidcProviderView
from stratus.local.iam.sts_wire import StsError

_LOCAL_POOL = re.compile(
    r"^https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+_[0-9A-Za-z]+)$"
)
_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384"]
JWKS_TTL_SECONDS = 600

JwksFetcher = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class WebIdentity:
    provider: OidcProviderView
    issuer: str
    subject: str
    audience: str
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def provider_url(self) -> str:
        return self.provider.url


def invalid(message: str) -> StsError:
    return StsError("InvalidIdentityToken", message)


def unverified_claims(token: str) -> dict[str, Any]:
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        raise invalid(
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an "
            "Access Token)"
        ) from None
    if not isinstance(claims, dict):
        raise invalid("The ID Token provided is not a valid JWT.")
    return claims


def fetch_jwks(issuer: str) -> dict[str, Any]:
    """An issuer's JWKS through its OIDC discovery document."""
    with httpx.Client(timeout=5, follow_redirects=True) as client:
        discovery = client.get(issuer.rstrip("/") + "/.well-known/openid-configuration")
        discovery.raise_for_status()
        keys = client.get(str(discovery.json()["jwks_uri"]))
        keys.raise_for_status()
        data: dict[str, Any] = keys.json()
        return data


class WebIdentityVerifier:
    def __init__(
        self,
        find_provider: Callable[[str], OidcProviderView | None],
        local_jwks: Callable[[], dict[str, Any]],
        local_pool_exists: Callable[[str], bool],
        *,
        fetch: JwksFetcher = fetch_jwks,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._find_provider = find_provider
        self._local_jwks = local_jwks
        self._local_pool_exists = local_pool_exists
        self._fetch = fetch
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> WebIdentity:
        """The token's identity, or StsError (InvalidIdentityToken, ExpiredTokenException,
        IDPCommunicationError) in STS's words. Blocking (may fetch keys): run in a thread."""
        issuer = str(unverified_claims(token).get("iss") or "")
        provider = self._find_provider(issuer) if issuer else None
        if provider is None:
            raise invalid(f"No OpenIDConnect provider found in your account for {issuer}")
        local = _LOCAL_POOL.match(issuer)
        if local and self._local_pool_exists(local.group(2)):
            claims = self._verify_local(token, local.group(1), local.group(2), provider)
        else:
            claims = self._verify_remote(token, issuer, provider)
        audience = claims.get("aud")
        return WebIdentity(
            provider,
            issuer,
            str(claims.get("sub") or ""),
            str(audience[0] if isinstance(audience, list) and audience else audience or ""),
            claims,
        )

    def _verify_local(
        self, token: str, region: str, pool_id: str, provider: OidcProviderView
    ) -> dict[str, Any]:
        now = self._clock()
        try:
            return verify_cognito_token(
                token,
                jwks=self._local_jwks(),
                region=region,
                pool_ids=[pool_id],
                client_ids=provider.client_ids,
                allowed_token_uses=("id",),
                now=now,
            )
        except TokenRejectedError as exc:
            if exc.reason == "expired":
                raise self._expired(token, now) from None
            if exc.reason == "audience":
                raise invalid("Incorrect token audience") from None
            if exc.reason.startswith("token_use"):
                raise invalid(
                    "The ID Token provided is not a valid JWT. (You may see this error if you "
                    "sent an Access Token)"
                ) from None
            raise invalid("Token signature is invalid or the token is malformed") from None

    def _verify_remote(self, token: str, issuer: str, provider: OidcProviderView) -> dict[str, Any]:
        try:
            key_set = KeySet.import_key_set(self._jwks(issuer))  # type: ignore[arg-type]
            claims: dict[str, Any] = dict(jwt.decode(token, key_set, algorithms=_ALGORITHMS).claims)
        except StsError:
            raise
        except (JoseError, ValueError, KeyError, TypeError):
            raise invalid("Token signature is invalid or the token is malformed") from None
        now = self._clock()
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= now:
            raise self._expired(token, now)
        audiences = claims.get("aud")
        audiences = audiences if isinstance(audiences, list) else [audiences]
        if not set(map(str, audiences)) & set(provider.client_ids):
            raise invalid("Incorrect token audience")
        return claims

    def _jwks(self, issuer: str) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(issuer)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            keys = self._fetch(issuer)
        except Exception as exc:
            raise StsError(
                "IDPCommunicationError",
                f"Couldn't retrieve verification key from your identity provider ({exc})",
            ) from None
        with self._lock:
            self._cache[issuer] = (now + JWKS_TTL_SECONDS, keys)
        return keys

    @staticmethod
    def _expired(token: str, now: float) -> StsError:
        exp = unverified_claims(token).get("exp")
        return StsError(
            "ExpiredTokenException",
            f"Token expired: current date/time {int(now)} must be before the expiration "
            f"date/time {exp}",
        )
