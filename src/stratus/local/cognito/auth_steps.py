"""The steps every sign-in ends with: the account's status, MFA, then tokens.

After the password (or SRP proof) is right, Cognito answers by the user's status
(UNCONFIRMED, RESET_REQUIRED, FORCE_CHANGE_PASSWORD -> NEW_PASSWORD_REQUIRED), then by the
pool's MFA setting and the user's second factors:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html
- OFF: tokens. OPTIONAL: a second factor only for users who turned one on. ON: always;
  a user with none sets TOTP up first (MFA_SETUP).
- One factor on (or one preferred): its challenge, SOFTWARE_TOKEN_MFA or EMAIL_OTP (a code
  sent to the user's e-mail address: here, the outbox of `codes`); two on, none
  preferred: SELECT_MFA_TYPE.
`auth_flows` runs the rest; this is the part both InitiateAuth and the answers reach.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.responses import JSONResponse, Response

from stratus.local.cognito import email_mfa, mfa, pools
from stratus.local.cognito.auth_sessions import AuthSessions, AuthState
from stratus.local.cognito.codes import CODE_PARAMETER, ConfirmationCodes, Message
from stratus.local.cognito.moto_sign_in import MotoSignIn
from stratus.local.core.call import AwsCall

JSON = "application/x-amz-json-1.1"
WRONG = "Incorrect username or password."
EMAIL_OTP = "mfa-email-otp"  # the outbox purpose of e-mail MFA codes


class Refusal(Exception):
    """A sign-in refused with Cognito's error (code, message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def json_response(body: dict[str, Any]) -> Response:
    """An answer in the JSON protocol of cognito-idp."""
    return JSONResponse(body, media_type=JSON)


class AuthSteps:
    """The shared end of `auth_flows.AuthFlows` (its base class)."""

    def __init__(
        self, moto: MotoSignIn, sessions: AuthSessions, codes: ConfirmationCodes | None
    ) -> None:
        self._moto = moto
        self.sessions = sessions
        self._codes = codes  # where e-mail MFA codes go (None: no e-mail MFA)

    async def _after_password(
        self, call: AwsCall, state: AuthState, pool: Any, user: Any
    ) -> Response:
        status = str(getattr(user.status, "value", user.status))
        if status == "UNCONFIRMED":
            raise Refusal("UserNotConfirmedException", "User is not confirmed.")
        if status == "RESET_REQUIRED":
            raise Refusal("PasswordResetRequiredException", "Password reset required for the user")
        if status == "FORCE_CHANGE_PASSWORD":
            attributes = {k: v for k, v in pools.user_attributes(user).items() if k != "sub"}
            attributes.pop("cognito:user_status", None)
            return self._challenge(
                state,
                "NEW_PASSWORD_REQUIRED",
                {
                    "USER_ID_FOR_SRP": state.username,
                    "requiredAttributes": "[]",
                    "userAttributes": json.dumps(attributes),
                },
            )
        return await self._mfa_or_tokens(call, state, pool, user)

    async def _mfa_or_tokens(
        self, call: AwsCall, state: AuthState, pool: Any, user: Any
    ) -> Response:
        """The pool's MFA setting and the user's second factors decide what comes next."""
        mode = str(getattr(pool, "mfa_config", "OFF") or "OFF")
        if mode not in ("ON", "OPTIONAL"):
            return await self._tokens(call, state, pool)
        totp = mfa.totp_secret(user) is not None and (
            mode == "ON" or bool(user.software_token_mfa_enabled)
        )
        email_enabled, email_preferred = email_mfa.email_mfa(user)
        email = email_enabled and self._codes is not None
        choices = [n for n, on in (("SOFTWARE_TOKEN_MFA", totp), ("EMAIL_OTP", email)) if on]
        if not choices:
            if mode == "ON":
                return self._challenge(
                    state, "MFA_SETUP", mfa.challenge_parameters(["SOFTWARE_TOKEN_MFA"])
                )
            return await self._tokens(call, state, pool)
        if totp and user.preferred_mfa_setting == "SOFTWARE_TOKEN_MFA":
            choices = ["SOFTWARE_TOKEN_MFA"]
        elif email and email_preferred:
            choices = ["EMAIL_OTP"]
        if len(choices) > 1:
            state.mfa_choices = choices
            return self._challenge(
                state, "SELECT_MFA_TYPE", {"MFAS_CAN_CHOOSE": json.dumps(choices)}
            )
        return await self._mfa_challenge(state, user, choices[0])

    async def _mfa_challenge(self, state: AuthState, user: Any, name: str) -> Response:
        if name == "SOFTWARE_TOKEN_MFA":
            return self._challenge(state, name, {"USER_ID_FOR_SRP": state.username})
        assert self._codes is not None
        email = pools.user_attributes(user).get("email", "")
        pool = pools.pool_by_id(state.pool_id)
        text, subject = email_mfa.pool_message(pool) if pool is not None else (None, None)
        message = Message(
            email_subject=subject or "Your sign-in code",
            email_message=text or f"Your authentication code is {CODE_PARAMETER}.",
        )
        state.email_code = await asyncio.to_thread(
            self._codes.issue, state.client_id, state.username, purpose=EMAIL_OTP, message=message
        )
        return self._challenge(
            state,
            name,
            {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": _masked(email)},
        )

    # -- answering -------------------------------------------------------------------------
    def _challenge(self, state: AuthState, name: str, parameters: dict[str, str]) -> Response:
        state.challenge = name
        return json_response(
            {
                "ChallengeName": name,
                "Session": self.sessions.issue(state),
                "ChallengeParameters": parameters,
            }
        )

    async def _tokens(self, call: AwsCall, state: AuthState, pool: Any) -> Response:
        """Every check passed: moto issues the tokens; the sign-in's sessions end."""
        self.sessions.end(state)
        return await self._moto.tokens(call, pool, state.client_id, state.username)


def _masked(email: str) -> str:
    """Cognito's masked destination ('a***@e***')."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***" if domain else "***"
