"""TOTP (software token) MFA: real secrets, real code checks, kept with the user.

moto 5.2.5 hands every user the same secret ("asdfasdfasdf") and checks no code unless an
environment variable says so. Here:
- AssociateSoftwareToken gives a fresh base32 secret (for a signed-in user, by access token;
  or inside an MFA_SETUP sign-in, by session, answering a new session);
- VerifySoftwareToken checks a TOTP code (RFC 6238, 30 s steps, one step of clock drift
  either way, with `pyotp`) against that secret; a wrong code is
  EnableSoftwareTokenMFAException "Code mismatch and fail enable Software Token MFA" (the
  message users report from Cognito, e.g.
  https://github.com/aws-samples/aws-amplify-auth-starters/issues/15); a right one makes it
  the user's secret;
- a sign-in's SOFTWARE_TOKEN_MFA answer is checked against the user's secret
  (CodeMismatchException "Invalid code received for user").
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa-totp.html
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_VerifySoftwareToken.html

The secrets live on moto's user object (so snapshots keep them), changed only through
journaled operations (so the journal replays them): the secret is drawn before the
operation and passed in, as replay must not draw a new one.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pyotp
from starlette.responses import JSONResponse, Response

from stratus.local.cognito import pools
from stratus.local.cognito.auth_sessions import AuthSessions
from stratus.local.core.call import AwsCall
from stratus.local.core.durable import mutate, operation

SECRET = "_stratus_totp_secret"  # the verified secret
PENDING = "_stratus_totp_pending"  # associated, not verified yet
JSON = "application/x-amz-json-1.1"
MISMATCH = "Code mismatch and fail enable Software Token MFA"


def totp_secret(user: Any) -> str | None:
    value = user.__dict__.get(SECRET)
    return value if isinstance(value, str) else None


def code_ok(secret: str | None, code: object, now: float | None = None) -> bool:
    if not secret or not isinstance(code, str) or not code.isdigit() or len(code) != 6:
        return False
    return bool(pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1))


def user_by_access_token(token: str) -> tuple[Any, Any] | None:
    """(pool, user) the access token was issued to, when moto still holds it."""
    for pool in pools.all_pools():
        entry = pool.access_tokens.get(token)
        if entry is not None:
            user = pools.find_user(pool, str(entry[1]))
            return (pool, user) if user is not None else None
    return None


@operation("cognito.totp-associate", services=("cognito-idp",))
def _associate(pool_id: str, username: str, secret: str) -> None:
    pool = pools.pool_by_id(pool_id)
    user = pools.find_user(pool, username) if pool is not None else None
    if user is not None:
        user.__dict__[PENDING] = secret


@operation("cognito.totp-verified", services=("cognito-idp",))
def _verified(pool_id: str, username: str, secret: str, enable: bool) -> None:
    pool = pools.pool_by_id(pool_id)
    user = pools.find_user(pool, username) if pool is not None else None
    if user is None:
        return
    user.__dict__[SECRET] = secret
    user.__dict__.pop(PENDING, None)
    user.token_verified = True
    if enable:  # set up while signing in (MFA_SETUP): TOTP is on, and preferred
        user.software_token_mfa_enabled = True
        user.preferred_mfa_setting = "SOFTWARE_TOKEN_MFA"


class SoftwareTokens:
    """AssociateSoftwareToken / VerifySoftwareToken, answered here (not by moto)."""

    OPERATIONS = ("AssociateSoftwareToken", "VerifySoftwareToken")

    def __init__(self, sessions: AuthSessions, clock: Callable[[], float] = time.time) -> None:
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, call: AwsCall) -> Response | None:
        body = call.json_body()
        if call.operation == "AssociateSoftwareToken":
            return await self._associate(call, body)
        return await self._verify(call, body)

    async def _associate(self, call: AwsCall, body: dict[str, Any]) -> Response:
        secret = pyotp.random_base32(32)
        if body.get("Session"):
            state, problem = self._sessions.find(str(body["Session"]))
            if state is None or state.challenge != "MFA_SETUP":
                return call.error(
                    "NotAuthorizedException", problem or "Invalid session for the user."
                )
            state.totp_secret = secret
            return _json({"SecretCode": secret, "Session": self._sessions.issue(state)})
        found = user_by_access_token(str(body.get("AccessToken", "")))
        if found is None:
            return call.error("NotAuthorizedException", "Invalid Access Token")
        pool, user = found
        await asyncio.to_thread(
            mutate, "cognito.totp-associate", pool_id=pool.id, username=user.username, secret=secret
        )
        return _json({"SecretCode": secret})

    async def _verify(self, call: AwsCall, body: dict[str, Any]) -> Response:
        code = body.get("UserCode")
        if body.get("Session"):
            state, problem = self._sessions.find(str(body["Session"]))
            if state is None or state.challenge != "MFA_SETUP" or not state.totp_secret:
                return call.error(
                    "NotAuthorizedException", problem or "Invalid session for the user."
                )
            if not code_ok(state.totp_secret, code, self._clock()):
                return call.error("EnableSoftwareTokenMFAException", MISMATCH)
            await asyncio.to_thread(
                mutate,
                "cognito.totp-verified",
                pool_id=state.pool_id,
                username=state.username,
                secret=state.totp_secret,
                enable=True,
            )
            state.totp_verified = True
            return _json({"Status": "SUCCESS", "Session": self._sessions.issue(state)})
        found = user_by_access_token(str(body.get("AccessToken", "")))
        if found is None:
            return call.error("NotAuthorizedException", "Invalid Access Token")
        pool, user = found
        pending = user.__dict__.get(PENDING)
        if not isinstance(pending, str):
            return call.error(
                "InvalidParameterException", "User has not associated a software token."
            )
        if not code_ok(pending, code, self._clock()):
            return call.error("EnableSoftwareTokenMFAException", MISMATCH)
        await asyncio.to_thread(
            mutate,
            "cognito.totp-verified",
            pool_id=pool.id,
            username=user.username,
            secret=pending,
            enable=False,
        )
        return _json({"Status": "SUCCESS"})


def _json(body: dict[str, Any]) -> Response:
    return JSONResponse(body, media_type=JSON)


def challenge_parameters(names: list[str]) -> dict[str, str]:
    """MFA_SETUP's parameters: Cognito sends the list as a JSON string."""
    return {"MFAS_CAN_SETUP": json.dumps(names)}
