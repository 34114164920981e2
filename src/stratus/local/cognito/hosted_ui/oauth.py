"""`/oauth2/token`, `/oauth2/revoke` and `/oauth2/userInfo`.

https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
- POST, `application/x-www-form-urlencoded`; a client with a secret authenticates with
  `Authorization: Basic base64(client_id:client_secret)` or `client_secret` in the body.
- Errors are RFC 6749 §5.2 JSON with HTTP 400: `invalid_request`, `invalid_client`,
  `invalid_grant` (code wrong/used/expired, verifier mismatch, refresh token revoked),
  `unauthorized_client` (grant not allowed for the client), `unsupported_grant_type`,
  `invalid_scope`.
https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html
- `token` (a refresh token) + client auth; 200 with an empty body; `unsupported_token_type`
  when the client has revocation off.
https://docs.aws.amazon.com/cognito/latest/developerguide/userinfo-endpoint.html
- `Authorization: Bearer <access token>` holding the `openid` scope; 401 with
  `WWW-Authenticate: Bearer error="invalid_token"` otherwise; the user's attributes.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stratus.local.cognito import pools
from stratus.local.cognito.hosted_ui import clients, issue, revocation
from stratus.local.cognito.hosted_ui.clients import AppClient
from stratus.local.cognito.hosted_ui.cognito_api import CognitoApi, CognitoApiError, secret_hash
from stratus.local.cognito.hosted_ui.grants import CodeRejectedError, Grants
from stratus.local.cognito.hosted_ui.rules import verifier_matches
from stratus.local.cognito.jwt_verify import TokenRejectedError, verify_cognito_token
from stratus.local.cognito.keys import LocalTokenKeys

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status

    def response(self) -> Response:
        return JSONResponse({"error": self.error}, self.status, headers=_NO_STORE)


@dataclass
class TokenEndpoint:
    api: CognitoApi
    grants: Grants
    keys: LocalTokenKeys
    origins: dict[str, str]

    async def token(self, request: Request, pool_id: str) -> Response:
        try:
            return await self._token(request, pool_id)
        except OAuthError as exc:
            return exc.response()

    async def _token(self, request: Request, pool_id: str) -> Response:
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            raise OAuthError("invalid_request")
        form = {k: str(v) for k, v in (await request.form()).items()}
        client = self._authenticate(request, form, pool_id)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return await self._code(client, form)
        if grant_type == "refresh_token":
            return await self._refresh(client, form)
        if grant_type == "client_credentials":
            return self._client_credentials(client, form)
        raise OAuthError("unsupported_grant_type")

    def _authenticate(self, request: Request, form: dict[str, str], pool_id: str) -> AppClient:
        """The calling client, its secret checked when it has one (invalid_client else)."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client") from None
            basic_id, sep, basic_secret = decoded.partition(":")
            if not sep or (client_id and client_id != unquote(basic_id)):
                raise OAuthError("invalid_client")
            client_id, secret = unquote(basic_id), unquote(basic_secret)
        if not client_id:
            raise OAuthError("invalid_request")
        client = clients.find_client(client_id, self.origins)
        if client is None or client.pool_id != pool_id:
            raise OAuthError("invalid_client")
        if client.secret is not None and not (
            secret and hmac.compare_digest(secret.encode(), client.secret.encode())
        ):
            raise OAuthError("invalid_client")
        return client

    async def _code(self, client: AppClient, form: dict[str, str]) -> Response:
        if not client.oauth_enabled or "code" not in client.flows:
            raise OAuthError("unauthorized_client")
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code or not redirect_uri:
            raise OAuthError("invalid_request")
        verifier = form.get("code_verifier")
        try:
            grant = self.grants.redeem(
                code,
                client.client_id,
                redirect_uri,
                lambda challenge: verifier_matches(verifier, challenge),
            )
        except CodeRejectedError:
            raise OAuthError("invalid_grant") from None
        return JSONResponse(grant.tokens, headers=_NO_STORE)

    async def _refresh(self, client: AppClient, form: dict[str, str]) -> Response:
        if not client.oauth_enabled or "code" not in client.flows:
            raise OAuthError("unauthorized_client")
        refresh = form.get("refresh_token")
        if not refresh:
            raise OAuthError("invalid_request")
        scopes = self.grants.scopes_for(refresh)
        params = {"REFRESH_TOKEN": refresh}
        if client.secret is not None:
            user = refresh_owner(client.pool_id, refresh)
            if user is None:
                raise OAuthError("invalid_grant")
            params["SECRET_HASH"] = secret_hash(client.secret, user, client.client_id)
        owner = refresh_owner(client.pool_id, refresh)
        email = email_of(client.pool_id, owner) if owner else None
        edit = issue.scope_edit(scopes, None, email) if scopes is not None else None
        try:
            answer = await self.api.call(
                "InitiateAuth",
                {
                    "ClientId": client.client_id,
                    "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": params,
                },
                edit,
            )
        except CognitoApiError:
            raise OAuthError("invalid_grant") from None
        result = answer.get("AuthenticationResult") or {}
        if not result.get("AccessToken"):
            raise OAuthError("invalid_grant")
        tokens = issue.oauth_tokens(result, scopes if scopes is not None else ["openid"])
        if tokens.get("refresh_token") and scopes is not None:  # rotation: keep the scopes
            self.grants.remember_scopes(tokens["refresh_token"], scopes)
        return JSONResponse(tokens, headers=_NO_STORE)

    def _client_credentials(self, client: AppClient, form: dict[str, str]) -> Response:
        if client.secret is None or not client.oauth_enabled:
            raise OAuthError("unauthorized_client")
        if "client_credentials" not in client.flows:
            raise OAuthError("unauthorized_client")
        custom = clients.resource_server_scopes(client.pool_id) & client.scopes
        requested = form.get("scope", "").split()
        if requested and not set(requested) <= custom:
            raise OAuthError("invalid_scope")
        scopes = requested or sorted(custom)
        if not scopes:
            raise OAuthError("invalid_scope")
        lifetime, _ = clients.token_validity(client.pool_id, client.client_id)
        body = issue.client_credentials_token(
            self.keys,
            region=client.region,
            pool_id=client.pool_id,
            client_id=client.client_id,
            scopes=scopes,
            lifetime=lifetime,
        )
        return JSONResponse(body, headers=_NO_STORE)

    # -- /oauth2/revoke -------------------------------------------------------------------
    async def revoke(self, request: Request, pool_id: str) -> Response:
        try:
            if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
                raise OAuthError("invalid_request")
            form = {k: str(v) for k, v in (await request.form()).items()}
            client = self._authenticate(request, form, pool_id)
            token = form.get("token")
            if not token:
                raise OAuthError("invalid_request")
            if not client.revocation_enabled:
                raise OAuthError("unsupported_token_type")
            try:
                await revocation.revoke(client.pool_id, client.client_id, token)
            except revocation.NotRevocableError:
                raise OAuthError("invalid_request") from None
            return Response(b"", 200, headers=_NO_STORE)
        except OAuthError as exc:
            return exc.response()

    # -- /oauth2/userInfo ------------------------------------------------------------------
    async def userinfo(self, request: Request, pool_id: str, region: str) -> Response:
        header = request.headers.get("authorization", "")
        if header[:7].lower() != "bearer " or not header[7:].strip():
            return _bearer_error("invalid_request", 400)
        token = header[7:].strip()
        pool = pools.pool_by_id(pool_id)
        if pool is None:
            return _bearer_error("invalid_token", 401)
        try:
            claims = verify_cognito_token(
                token,
                jwks=self.keys.jwks(),
                region=region,
                pool_ids=[pool_id],
                client_ids=list(pool.clients),
                allowed_token_uses=("access",),
            )
        except TokenRejectedError:
            return _bearer_error("invalid_token", 401)
        if "openid" not in str(claims.get("scope", "")).split():
            return _bearer_error("insufficient_scope", 403)
        if not _session_alive(pool, str(claims.get("origin_jti", ""))):
            return _bearer_error("invalid_token", 401)  # revoked, or signed out globally
        user = pools.find_user(pool, str(claims.get("username", "")))
        if user is None:
            return _bearer_error("invalid_token", 401)
        info: dict[str, Any] = {"username": user.username}
        for name, value in pools.user_attributes(user).items():
            if name == "cognito:user_status":
                continue
            info[name] = (
                value == "true" if name in ("email_verified", "phone_number_verified") else value
            )
        info["sub"] = user.id
        return JSONResponse(info, headers=_NO_STORE)


def _bearer_error(error: str, status: int) -> Response:
    return JSONResponse(
        {"error": error, "error_description": error.replace("_", " ")},
        status,
        headers={"WWW-Authenticate": f'Bearer error="{error}"', **_NO_STORE},
    )


def canonical_username(pool_id: str, name: str) -> str:
    """The pool's own user name for a sign-in name (an alias such as the e-mail resolved);
    the name as given when no user has it (Cognito then answers as for an unknown user)."""
    pool = pools.pool_by_id(pool_id)
    user = None if pool is None else pools.find_user(pool, name)
    return str(user.username) if user is not None else name


def email_of(pool_id: str, name: str) -> str | None:
    """The e-mail attribute of the user `name` names (None: no such user or no e-mail)."""
    pool = pools.pool_by_id(pool_id)
    user = None if pool is None else pools.find_user(pool, name)
    return None if user is None else pools.user_attributes(user).get("email")


def refresh_owner(pool_id: str, refresh: str) -> str | None:
    """The user name a refresh token was issued to, as the pool names the user (an e-mail
    sign-in pool's own user name, not the alias): what REFRESH_TOKEN_AUTH's SECRET_HASH is
    computed with."""
    pool = pools.pool_by_id(pool_id)
    record = None if pool is None else pool.refresh_tokens.get(refresh)
    if not record:
        return None
    user = pools.find_user(pool, str(record[1]))
    return str(user.username) if user is not None else str(record[1])


def _session_alive(pool: Any, origin_jti: str) -> bool:
    """Whether the refresh token the access token was issued with is still live: revocation
    and GlobalSignOut mark it None in moto (the access token's `origin_jti` names it). Read
    this way rather than by the token string, which a journal replay does not reproduce
    for the hosted UI's scope edit."""
    return any(
        record is not None and record[2] == origin_jti for record in pool.refresh_tokens.values()
    )
