"""The session half of Cognito's user API: refresh, revoke, sign out, delete, token checks.

Before-hooks on cognito-idp (`sessions` keeps the state; moto issues the tokens):
- every operation that takes an `AccessToken` (GetUser, ChangePassword, GlobalSignOut,
  UpdateUserAttributes, DeleteUser ...): the token's signature, expiry (the cloud clock)
  and session are checked first -- NotAuthorizedException "Access Token has expired" /
  "Access Token has been revoked" / "Invalid Access Token", as Cognito answers;
- InitiateAuth / AdminInitiateAuth with REFRESH_TOKEN_AUTH: the refresh token's client,
  expiry, revocation, user and SECRET_HASH are checked, then moto issues the tokens;
- GetTokensFromRefreshToken (moto lacks it): the same checks, rotation where the client
  enables it, the tokens issued by moto through a journaled AdminInitiateAuth refresh
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetTokensFromRefreshToken.html
- RevokeToken (moto lacks it): the session ends; only for clients with
  EnableTokenRevocation; the client secret checked for secret clients
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html
- GlobalSignOut and DeleteUser (moto lacks the latter) are answered here: every session
  of the user ends (and DeleteUser removes the user); AdminUserGlobalSignOut,
  AdminDisableUser ("revokes all access tokens for the user", API_AdminDisableUser.html)
  and AdminDeleteUser: moto answers, then every session of the user ends.
SECRET_HASH for REFRESH_TOKEN_AUTH is checked here with moto's `check_secret_hash`
(HMAC-SHA256 of username + client id), accepting the username or the `sub`, as Cognito
does for pools signing in with e-mail; the sign-in flows own the other SECRET_HASH checks.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.responses import JSONResponse, Response

from stratus.local.cognito import pools, sessions
from stratus.local.cognito.flows import Forward
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall
from stratus.local.core.registry import Hook

_JSON = "application/x-amz-json-1.1"
_REFRESH = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
_TARGET = "AWSCognitoIdentityProviderService."
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")


def _ok(body: dict[str, Any]) -> Response:
    return JSONResponse(body, media_type=_JSON)


class SessionFlows:
    # cognito-idp operation -> the method that runs it
    OPERATIONS: ClassVar[dict[str, str]] = {
        "InitiateAuth": "initiate_auth",
        "AdminInitiateAuth": "initiate_auth",
        "GetTokensFromRefreshToken": "get_tokens",
        "RevokeToken": "revoke_token",
        "GlobalSignOut": "global_sign_out",
        "DeleteUser": "delete_user",
        "AdminUserGlobalSignOut": "end_user_sessions",
        "AdminDisableUser": "end_user_sessions",
        "AdminDeleteUser": "end_user_sessions",
    }

    def __init__(self, jwks: Callable[[], dict[str, Any]], forward: Forward) -> None:
        self._jwks = jwks
        self._forward = forward
        self._key_set: tuple[str, KeySet] | None = None

    def hooks(self) -> Iterable[Hook]:
        return [
            Hook("cognito-idp", None, before=self.check_access_token),
            *(
                Hook("cognito-idp", op, before=getattr(self, method))
                for op, method in self.OPERATIONS.items()
            ),
        ]

    # Access tokens ----------------------------------------------------------------------
    async def check_access_token(self, call: AwsCall) -> Response | None:
        if b'"AccessToken"' not in call.request.body:
            return None
        token = call.json_body().get("AccessToken")
        if not isinstance(token, str):
            return None
        problem, _ = self.access_claims(token)
        return None if problem is None else call.error("NotAuthorizedException", problem)

    def access_claims(self, token: str) -> tuple[str | None, dict[str, Any]]:
        """(Cognito's message when `token` may not be used, the token's claims)."""
        try:
            decoded = jwt.decode(token.strip(), self._keys(), algorithms=["RS256"])
        except (JoseError, ValueError):
            return "Invalid Access Token", {}
        claims: dict[str, Any] = dict(decoded.claims)
        if claims.get("token_use") != "access":
            return "Invalid Access Token", claims
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= sessions.now():
            return "Access Token has expired", claims
        pool_id = str(claims.get("iss", "")).rsplit("/", 1)[-1]
        if sessions.is_revoked(pool_id, str(claims.get("origin_jti", ""))):
            return "Access Token has been revoked", claims
        return None, claims

    def _keys(self) -> KeySet:
        jwks = self._jwks()
        marker = json.dumps(jwks, sort_keys=True)
        if self._key_set is None or self._key_set[0] != marker:
            self._key_set = (marker, KeySet.import_key_set(jwks))  # type: ignore[arg-type]
        return self._key_set[1]

    # Refresh ----------------------------------------------------------------------------
    def _refresh_problem(
        self, call: AwsCall, pool: Any, client_id: str, token: str
    ) -> Response | None:
        """Cognito's refusal of `token` for `client_id`, or None when it may be used."""
        session, known = sessions.by_refresh_token(pool, token)
        entry = pool.refresh_tokens.get(token) if known else None
        if not known or (entry is not None and entry[0] != client_id):
            return call.error("NotAuthorizedException", "Invalid Refresh Token")
        if entry is None or (session is not None and session.revoked()):
            return call.error("NotAuthorizedException", "Refresh Token has been revoked")
        now = sessions.now()
        rotated_until = None if session is None else session.rotated_until
        if rotated_until is not None and now > rotated_until:
            return call.error(
                "RefreshTokenReuseException",
                "Refresh Token has been rotated and is no longer valid",
            )
        if session is not None and now >= session.expires_at:
            return call.error("NotAuthorizedException", "Refresh Token has expired")
        user = pools.find_user(pool, str(entry[1]))
        if user is None:
            return call.error("NotAuthorizedException", "User does not exist.")
        if not user.enabled:
            return call.error("NotAuthorizedException", "User is disabled.")
        return None

    async def initiate_auth(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        if body.get("AuthFlow") not in _REFRESH:
            return None
        client_id = str(body.get("ClientId", ""))
        pool = _pool(call, client_id)
        if pool is None:
            return None  # moto answers ResourceNotFoundException
        config = sessions.client_config(pool, client_id)
        if sessions.rotation(config) is not None:
            # API_RefreshTokenRotationType.html: rotation is done with GetTokensFromRefreshToken.
            return call.error(
                "InvalidParameterException",
                "Refresh token rotation is enabled for this client: "
                "refresh with GetTokensFromRefreshToken.",
            )
        params = body.get("AuthParameters") or {}
        token = params.get("REFRESH_TOKEN") if isinstance(params, dict) else None
        if not isinstance(token, str) or not token:
            return call.error(
                "InvalidParameterException", "Missing required parameter REFRESH_TOKEN"
            )
        problem = self._refresh_problem(call, pool, client_id, token)
        if problem is not None:
            return problem
        client = pool.clients[client_id]
        if client.generate_secret:
            given = params.get("SECRET_HASH")
            if not isinstance(given, str) or not given:
                return call.error(
                    "NotAuthorizedException",
                    f"Client {client_id} is configured for secret but secret was not received",
                )
            user = pools.find_user(pool, str(pool.refresh_tokens[token][1]))
            names = [] if user is None else [str(user.username), str(user.id)]
            if not any(_secret_hash_ok(client, name, given) for name in names):
                return call.error(
                    "NotAuthorizedException", f"Unable to verify secret hash for client {client_id}"
                )
        return None  # moto issues the tokens (with our lifetimes, tokens.py)

    async def get_tokens(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        client_id = str(body.get("ClientId", ""))
        token = body.get("RefreshToken")
        pool = pools.pool_by_client(client_id)
        if pool is None:
            return call.error(
                "ResourceNotFoundException", f"User pool client {client_id} does not exist."
            )
        if not isinstance(token, str) or not token:
            return call.error("InvalidParameterException", "RefreshToken is required.")
        client = pool.clients[client_id]
        if client.generate_secret:
            given = body.get("ClientSecret")
            if not isinstance(given, str) or not hmac.compare_digest(given, str(client.secret)):
                return call.error(
                    "NotAuthorizedException", f"Unable to verify secret for client {client_id}"
                )
        problem = self._refresh_problem(call, pool, client_id, token)
        if problem is not None:
            return problem
        grace = sessions.rotation(sessions.client_config(pool, client_id))
        issuing, rotated = token, None
        if grace is not None:
            rotated = await asyncio.to_thread(
                sessions.rotate, str(pool.id), token, sessions.now(), grace
            )
            if rotated is None:
                return call.error("NotAuthorizedException", "Refresh Token has been revoked")
            issuing = rotated
        answer = await self._issue(call, pool, client_id, issuing)
        if answer.status_code != 200:
            return answer
        result = json.loads(bytes(answer.body)).get("AuthenticationResult") or {}
        if rotated is not None:
            result["RefreshToken"] = rotated
        return _ok({"AuthenticationResult": result})

    async def _issue(self, call: AwsCall, pool: Any, client_id: str, token: str) -> Response:
        """Tokens from moto for `token`, as one journaled AdminInitiateAuth refresh (so a
        restart replays them, and pre token generation sees this call)."""
        from stratus.local.core.front_door import CURRENT_CALL

        payload = {
            "UserPoolId": pool.id,
            "ClientId": client_id,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": token},
        }
        headers = {
            k: v
            for k, v in call.request.headers.items()
            if k not in ("content-length", "x-amz-target")
        }
        headers["x-amz-target"] = _TARGET + "AdminInitiateAuth"
        # moto finds the pool's backend by the credential scope's region; clients such as
        # Amplify call unsigned (or from another region's client), so name the pool's own.
        key = _ACCESS_KEY.search(call.request.headers.get("authorization", ""))
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={key.group(1) if key else 'test'}/20000101/"
            f"{pool.region}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0"
        )
        request = AwsRequest(
            method="POST",
            path="/",
            raw_path="/",
            query_string="",
            headers=headers,
            body=json.dumps(payload).encode(),
            client_host=call.request.client_host,
        )
        marker = CURRENT_CALL.set(call)
        try:
            return await self._forward(request)
        finally:
            CURRENT_CALL.reset(marker)

    # Revocation and sign-out ------------------------------------------------------------
    async def revoke_token(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        client_id, token = str(body.get("ClientId", "")), body.get("Token")
        pool = pools.pool_by_client(client_id)
        if pool is None:
            return call.error("UnauthorizedException", f"Client {client_id} is not valid.")
        client = pool.clients[client_id]
        if not sessions.revocation_enabled(dict(client.extended_config)):
            return call.error(
                "UnsupportedOperationException", "Token revocation is not enabled for this client."
            )
        if client.generate_secret:
            given = body.get("ClientSecret")
            if not isinstance(given, str) or not hmac.compare_digest(given, str(client.secret)):
                return call.error("UnauthorizedException", "Invalid client secret.")
        if not isinstance(token, str) or not token:
            return call.error("InvalidParameterException", "Token is required.")
        if token.count(".") == 2:  # a JWT: an access or ID token, not a refresh token
            return call.error(
                "UnsupportedTokenTypeException", "Only refresh tokens can be revoked."
            )
        entry = pool.refresh_tokens.get(token)
        if token not in pool.refresh_tokens or entry is None:
            return _ok({})  # unknown or already revoked: RFC 7009 answers success
        if entry[0] != client_id:
            return call.error("UnauthorizedException", "The token was not issued to this client.")
        await asyncio.to_thread(sessions.revoke, str(pool.id), [str(entry[2])], sessions.now())
        return _ok({})

    def _token_owner(self, call: AwsCall) -> tuple[Any, str] | Response:
        token = str(call.json_body().get("AccessToken", ""))
        problem, claims = self.access_claims(token)
        if problem is not None:
            return call.error("NotAuthorizedException", problem)
        pool = pools.pool_by_id(str(claims.get("iss", "")).rsplit("/", 1)[-1])
        owner = None if pool is None else pool.access_tokens.get(token)
        if pool is None or owner is None:
            return call.error("NotAuthorizedException", "Invalid Access Token")
        return pool, str(owner[1])

    async def global_sign_out(self, call: AwsCall) -> Response | None:
        owner = self._token_owner(call)
        if isinstance(owner, Response):
            return owner
        pool, username = owner
        # Answered here, not by moto: moto would look for the pool in the region the request
        # was signed for, and clients (Amplify's signOut({global: true})) call unsigned.
        await asyncio.to_thread(sessions.sign_out, str(pool.id), username, sessions.now())
        return _ok({})

    async def delete_user(self, call: AwsCall) -> Response | None:
        owner = self._token_owner(call)
        if isinstance(owner, Response):
            return owner
        pool, username = owner
        await asyncio.to_thread(sessions.delete_user, str(pool.id), username, sessions.now())
        return _ok({})

    async def end_user_sessions(self, call: AwsCall) -> Response | None:
        """Admin operations after which none of the user's sessions may go on."""
        body = call.json_body()
        pool = pools.pool_by_id(str(body.get("UserPoolId", "")))
        user = None if pool is None else pools.find_user(pool, str(body.get("Username", "")))
        if pool is None or user is None:
            return None  # moto answers ResourceNotFound / UserNotFound
        username = str(user.username)
        response = await self._forward(call.request)
        if response.status_code == 200:
            await self._end_sessions(pool, username)
        return response

    async def _end_sessions(self, pool: Any, username: str) -> None:
        jtis = sessions.user_sessions(pool, username)
        if jtis:
            await asyncio.to_thread(sessions.revoke, str(pool.id), jtis, sessions.now())


def _pool(call: AwsCall, client_id: str) -> Any | None:
    if call.operation == "AdminInitiateAuth":
        pool = pools.pool_by_id(str(call.json_body().get("UserPoolId", "")))
        return pool if pool is not None and client_id in pool.clients else None
    return pools.pool_by_client(client_id)


def _secret_hash_ok(client: Any, name: str, given: str) -> bool:
    from moto.cognitoidp.utils import check_secret_hash

    return bool(check_secret_hash(client.secret, client.id, name, given))
