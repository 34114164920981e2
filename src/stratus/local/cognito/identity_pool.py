"""Cognito identity pool: per-user temporary credentials, carrying the role's policies.

moto hands every caller the same static credentials and checks no login token (measured),
so the per-user S3 folder rule could never hold locally. This interceptor answers GetId and
GetCredentialsForIdentity itself: the ID token is verified like Cognito Identity does
(signature, expiry, issuer, audience = one of the pool's app clients, token_use "id"), the
identity id is derived from the pool and the user (stable, like AWS), and fresh credentials
are issued per call from the CredentialStore with the authenticated role's policies and the
principal tags mapped from the token's claims. The S3 guard then enforces them.
Configuration comes only from the deployment (the CDK templates).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from stratus.local.cognito.jwt_verify import TokenRejectedError, verify_cognito_token
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.contracts import TokenKeys
from stratus.local.core.errors import aws_error
from stratus.local.iam.credentials import CredentialStore
from stratus.local.provision.model import Deployment

_PREFIX = "AWSCognitoIdentityService."
_CONTENT_TYPE = "application/x-amz-json-1.1"
CREDENTIALS_TTL_SECONDS = 3600
# AWS's default attribute-for-access-control mapping for a user pool provider: tag <- claim.
DEFAULT_PRINCIPAL_TAGS = {"username": "sub", "client": "aud"}


class IdentityError(Exception):
    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(message)
        self.type_name = type_name
        self.message = message


def _not_authorized(message: str) -> IdentityError:
    return IdentityError("NotAuthorizedException", message)


@dataclass
class Provider:
    name: str  # cognito-idp.<region>.amazonaws.com/<userPoolId>
    pool_id: str
    client_ids: set[str] = field(default_factory=set)
    principal_tags: dict[str, str] = field(default_factory=dict)  # tag -> claim


@dataclass
class PoolConfig:
    pool_id: str
    allow_unauthenticated: bool
    providers: dict[str, Provider]
    roles: dict[str, str]  # "authenticated" / "unauthenticated" -> role ARN


def pools_from(deployment: Deployment) -> dict[str, PoolConfig]:
    pools: dict[str, PoolConfig] = {}
    for res in deployment.resources("AWS::Cognito::IdentityPool"):
        props = res.properties
        providers: dict[str, Provider] = {}
        for entry in props.get("CognitoIdentityProviders") or []:
            name = str(entry.get("ProviderName", ""))
            provider = providers.setdefault(name, Provider(name, name.rsplit("/", 1)[-1]))
            if entry.get("ClientId"):
                provider.client_ids.add(str(entry["ClientId"]))
        pools[res.physical_id] = PoolConfig(
            res.physical_id,
            _truthy(props.get("AllowUnauthenticatedIdentities")),
            providers,
            {},
        )
    for res in deployment.resources("AWS::Cognito::IdentityPoolRoleAttachment"):
        pool = pools.get(str(res.properties.get("IdentityPoolId")))
        if pool is not None:
            pool.roles.update({k: str(v) for k, v in (res.properties.get("Roles") or {}).items()})
    for res in deployment.resources("AWS::Cognito::IdentityPoolPrincipalTag"):
        pool = pools.get(str(res.properties.get("IdentityPoolId")))
        if pool is None:
            continue
        mapped = pool.providers.get(str(res.properties.get("IdentityProviderName")))
        if mapped is None:
            continue
        tags = res.properties.get("PrincipalTags") or {}
        if isinstance(tags, str):
            tags = json.loads(tags)
        if _truthy(res.properties.get("UseDefaults")) and not tags:
            tags = DEFAULT_PRINCIPAL_TAGS
        mapped.principal_tags = {str(k): str(v) for k, v in tags.items()}
    return pools


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


class IdentityPoolService:
    """AwsInterceptor for GetId and GetCredentialsForIdentity; other operations go to moto."""

    def __init__(
        self,
        deployment: Deployment,
        credentials: CredentialStore,
        token_keys: TokenKeys,
        *,
        region: str,
        policies_for_role: Callable[[str], list[dict[str, Any]]],
        clock: Callable[[], float] = time.time,
        token_clock: Callable[[], float] | None = None,
    ) -> None:
        self._pools = pools_from(deployment)
        self._credentials = credentials
        self._token_keys = token_keys
        self._region = region
        self._policies_for_role = policies_for_role
        self._clock = clock
        # Login tokens expire on the cloud clock tests can move (core.clock).
        self._token_clock = token_clock or clock
        self._guests: dict[str, str] = {}  # unauthenticated identity id -> pool id

    async def __call__(self, request: AwsRequest) -> Response | None:
        target = request.target or ""
        if not target.startswith(_PREFIX):
            return None
        operation = target[len(_PREFIX) :]
        if operation not in ("GetId", "GetCredentialsForIdentity"):
            return None
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return _error(
                IdentityError("InvalidParameterException", "Request body is not valid JSON.")
            )
        try:
            if operation == "GetId":
                pool = self._pools.get(str(body.get("IdentityPoolId")))
                if pool is None:
                    return None  # a pool the templates do not declare: moto's
                return _ok({"IdentityId": self.get_id(pool, body.get("Logins") or {})})
            identity_id = str(body.get("IdentityId", ""))
            pool = self._pool_of_identity(identity_id, body.get("Logins") or {})
            if pool is None:
                return None
            return _ok(self.credentials_for(pool, identity_id, body.get("Logins") or {}))
        except IdentityError as error:
            return _error(error)

    # Operations --------------------------------------------------------------------------
    def get_id(self, pool: PoolConfig, logins: dict[str, str]) -> str:
        if not logins:
            if not pool.allow_unauthenticated:
                raise _not_authorized(
                    "Unauthenticated access is not supported for this identity pool."
                )
            identity_id = f"{self._region}:{uuid.uuid4()}"
            self._guests[identity_id] = pool.pool_id
            return identity_id
        _, claims = self._verify_logins(pool, logins)
        return self.identity_id(pool.pool_id, str(claims["sub"]))

    def credentials_for(
        self, pool: PoolConfig, identity_id: str, logins: dict[str, str]
    ) -> dict[str, Any]:
        tags: dict[str, str] = {}
        if logins:
            provider, claims = self._verify_logins(pool, logins)
            if self.identity_id(pool.pool_id, str(claims["sub"])) != identity_id:
                raise _not_authorized(
                    "Invalid login token. Token does not belong to this identity."
                )
            role = pool.roles.get("authenticated")
            for tag, claim in provider.principal_tags.items():
                if claims.get(claim) is not None:
                    tags[tag] = str(claims[claim])
        else:
            if self._guests.get(identity_id) != pool.pool_id:
                raise _not_authorized(
                    "Unauthenticated access is not supported for this identity pool."
                )
            role = pool.roles.get("unauthenticated")
        if not role:
            raise IdentityError(
                "InvalidIdentityPoolConfigurationException",
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            )
        principal = self._credentials.issue(
            kind="identity",
            role_arn=role,
            policies=self._policies_for_role(role),
            principal_tags=tags,
            ttl_seconds=CREDENTIALS_TTL_SECONDS,
            subject=identity_id,
        )
        return {
            "IdentityId": identity_id,
            "Credentials": {
                "AccessKeyId": principal.access_key_id,
                "SecretKey": principal.secret_access_key,
                "SessionToken": principal.session_token,
                "Expiration": float(
                    principal.expires_at or self._clock() + CREDENTIALS_TTL_SECONDS
                ),
            },
        }

    def identity_id(self, pool_id: str, sub: str) -> str:
        """Stable per (pool, user), as AWS keeps one identity per user and pool."""
        return f"{self._region}:{uuid.uuid5(uuid.NAMESPACE_URL, f'{pool_id}/{sub}')}"

    # Helpers -------------------------------------------------------------------------------
    def _pool_of_identity(self, identity_id: str, logins: dict[str, str]) -> PoolConfig | None:
        if identity_id in self._guests:
            return self._pools.get(self._guests[identity_id])
        for pool in self._pools.values():
            if any(name in pool.providers for name in logins):
                return pool
        if not logins and identity_id.startswith(f"{self._region}:") and self._pools:
            raise _not_authorized("Unauthenticated access is not supported for this identity pool.")
        return None

    def _verify_logins(
        self, pool: PoolConfig, logins: dict[str, str]
    ) -> tuple[Provider, dict[str, Any]]:
        if len(logins) != 1:
            raise _not_authorized("Exactly one login provider is supported locally.")
        ((name, token),) = logins.items()
        provider = pool.providers.get(name)
        if provider is None:
            raise _not_authorized("Token is not from a supported provider of this identity pool.")
        try:
            claims = verify_cognito_token(
                str(token),
                jwks=self._token_keys.jwks(),
                region=self._region,
                pool_ids=[provider.pool_id],
                client_ids=provider.client_ids,
                allowed_token_uses=("id",),
                now=self._token_clock(),
            )
        except TokenRejectedError as exc:
            if exc.reason == "expired":
                raise _not_authorized("Invalid login token. Token expired.") from None
            raise _not_authorized(
                "Invalid login token. Not a valid OpenId Connect identity token."
            ) from None
        if not claims.get("sub"):
            raise _not_authorized("Invalid login token. Missing sub claim.")
        return provider, claims


def _ok(payload: dict[str, Any]) -> Response:
    return Response(json.dumps(payload), status_code=200, media_type=_CONTENT_TYPE)


def _error(error: IdentityError) -> Response:
    return aws_error("json", error.type_name, error.message, 400)
