"""Sign-in as Cognito checks it: InitiateAuth / AdminInitiateAuth and the challenge answers.

https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html
moto 5.2.5 accepts any SRP proof (its SALT and SRP_B are random uuids), checks no TOTP code
and decides MFA by flags that the API cannot set consistently. So these hooks answer the
user flows themselves -- USER_SRP_AUTH (`srp`), USER_PASSWORD_AUTH,
ADMIN_USER_PASSWORD_AUTH / ADMIN_NO_SRP_AUTH, CUSTOM_AUTH (`custom_auth`) -- and every
challenge answer (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, MFA_SETUP,
CUSTOM_CHALLENGE), with app client secrets (`secret_hash`), the client's allowed flows,
PreventUserExistenceErrors and the pool's MFA setting (OFF / OPTIONAL / ON:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html).
REFRESH_TOKEN_AUTH is not a sign-in and stays with moto.

moto still keeps the users and issues the tokens, through requests the journal replays:
once every check has passed, tokens come from a USER_SRP_AUTH InitiateAuth (which only opens
a moto session) followed by moto's MFA_SETUP answer (which issues tokens for that session
and checks nothing); a NEW_PASSWORD_REQUIRED answer sets the password with
AdminSetUserPassword. The pre token generation trigger runs inside moto's token building
as before (`cognito.tokens`), and sees the caller's request as the current call.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from stratus.local.cognito import mfa, pools, secret_hash, srp
from stratus.local.cognito.auth_sessions import INVALID, AuthSessions, AuthState
from stratus.local.cognito.codes import CODE_PARAMETER, ConfirmationCodes, Message
from stratus.local.cognito.custom_auth import CustomAuth, configured
from stratus.local.cognito.triggers import Caller, TriggerError, sdk_version
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.call import AwsCall

Forward = Callable[[AwsRequest], Awaitable[Response]]
JSON = "application/x-amz-json-1.1"
TARGET = "AWSCognitoIdentityProviderService."
WRONG = "Incorrect username or password."
EMAIL_OTP = "mfa-email-otp"  # the outbox purpose of e-mail MFA codes
_PASSWORD_FLOWS = ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
_MINE = {
    "InitiateAuth": ("USER_SRP_AUTH", "USER_PASSWORD_AUTH", "CUSTOM_AUTH"),
    "AdminInitiateAuth": (
        "USER_SRP_AUTH",
        "ADMIN_USER_PASSWORD_AUTH",
        "ADMIN_NO_SRP_AUTH",
        "CUSTOM_AUTH",
    ),
}
# AuthFlow -> the ExplicitAuthFlows values that allow it (ALLOW_* and the legacy names).
_ALLOWED_BY = {
    "USER_SRP_AUTH": ("ALLOW_USER_SRP_AUTH",),
    "USER_PASSWORD_AUTH": ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
    "ADMIN_USER_PASSWORD_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "ADMIN_NO_SRP_AUTH": ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
    "CUSTOM_AUTH": ("ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"),
}


class Refusal(Exception):
    """A sign-in refused with Cognito's error (code, message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _json(body: dict[str, Any]) -> Response:
    return JSONResponse(body, media_type=JSON)


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


class AuthFlows:
    """The sign-in engine; `__call__` answers a routed call or returns None (moto's)."""

    def __init__(
        self,
        forward: Forward,
        sessions: AuthSessions,
        custom: CustomAuth | None = None,
        codes: ConfirmationCodes | None = None,
    ) -> None:
        self._forward = forward
        self.sessions = sessions
        self._custom = custom or CustomAuth(None)
        self._codes = codes  # where e-mail MFA codes go (None: no e-mail MFA)

    async def __call__(self, call: AwsCall) -> Response | None:
        try:
            if call.operation in _MINE:
                return await self._initiate(call, call.json_body())
            return await self._respond(call, call.json_body())
        except Refusal as exc:
            return call.error(exc.code, exc.message)
        except TriggerError as exc:
            return exc.response(call)

    # -- InitiateAuth ----------------------------------------------------------------------
    async def _initiate(self, call: AwsCall, body: dict[str, Any]) -> Response | None:
        flow = str(body.get("AuthFlow", ""))
        found = self._client(call, body)
        if flow not in _MINE[str(call.operation)] or found is None:
            return None  # moto answers: refresh, an unknown flow or client
        pool, client = found
        params = _strings(body.get("AuthParameters"))
        typed = params.get("USERNAME", "")
        if not typed:
            raise Refusal("InvalidParameterException", "Missing required parameter USERNAME")
        allowed = client.extended_config.get("ExplicitAuthFlows") or []
        if allowed and not set(_ALLOWED_BY[flow]) & set(allowed):
            raise Refusal("InvalidParameterException", f"{flow} flow not enabled for this client")
        user = pools.find_user(pool, typed)
        names = (typed, user.username) if user is not None else (typed,)
        _check_secret(client, names, params.get("SECRET_HASH"))
        validity = float(client.extended_config.get("AuthSessionValidity") or 3) * 60
        state = AuthState(
            pool.id, client.id, user.username if user else typed, typed, validity_s=validity
        )
        if user is None:
            if flow == "USER_SRP_AUTH" and _prevents_existence_errors(client):
                state.user_missing = True  # a challenge like any other; the answer fails
                return self._srp_challenge(state, None, params.get("SRP_A", ""))
            _refuse_unknown(client)
        assert user is not None
        if not user.enabled:
            raise Refusal("NotAuthorizedException", "User is disabled.")
        if flow in _PASSWORD_FLOWS:
            password = params.get("PASSWORD", "")
            stored = str(user.password or "")
            if not password or not hmac.compare_digest(password.encode(), stored.encode()):
                raise Refusal("NotAuthorizedException", WRONG)
            return await self._after_password(call, state, pool, user)
        if flow == "USER_SRP_AUTH":
            return self._srp_challenge(state, user, params.get("SRP_A", ""))
        return await self._custom_start(call, state, pool, user, params)

    def _client(self, call: AwsCall, body: dict[str, Any]) -> tuple[Any, Any] | None:
        client_id = str(body.get("ClientId", ""))
        pool = pools.pool_by_client(client_id)
        if pool is None:
            return None
        if call.operation.startswith("Admin") and body.get("UserPoolId") != pool.id:  # type: ignore[union-attr]
            return None
        return pool, pool.clients[client_id]

    def _srp_challenge(self, state: AuthState, user: Any, srp_a: str) -> Response:
        if not srp_a:
            raise Refusal("InvalidParameterException", "Missing required parameter SRP_A")
        verifier = (
            srp.verifier_of(user)
            if user is not None
            else srp.make_verifier(state.pool_id, state.username, secrets.token_hex(16))
        )
        challenge = srp.start(srp_a, verifier) if verifier is not None else None
        if challenge is None:
            raise Refusal("NotAuthorizedException", WRONG)
        state.srp = challenge
        state.secret_block = base64.b64encode(secrets.token_bytes(384)).decode()
        state.challenge = "PASSWORD_VERIFIER"
        session = self.sessions.issue(state)
        self.sessions.bind_block(session, state.secret_block)
        return _json(
            {
                "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeParameters": {
                    "SALT": challenge.verifier.salt,
                    "SRP_B": challenge.srp_b,
                    "SECRET_BLOCK": state.secret_block,
                    "USER_ID_FOR_SRP": state.username,
                    "USERNAME": state.username,
                },
            }
        )

    async def _custom_start(
        self, call: AwsCall, state: AuthState, pool: Any, user: Any, params: dict[str, str]
    ) -> Response:
        if not configured(pool):
            raise Refusal(
                "InvalidParameterException",
                "Custom auth lambda trigger is not configured for the user pool.",
            )
        if params.get("SRP_A"):
            state.custom.append(
                {"challengeName": "SRP_A", "challengeResult": True, "challengeMetadata": None}
            )
        return await self._custom_next(call, state, pool, user, params.get("SRP_A", ""))

    async def _custom_next(
        self, call: AwsCall, state: AuthState, pool: Any, user: Any, srp_a: str = ""
    ) -> Response:
        step = await self._custom.next_step(pool, user, state, _caller(call, state), _meta(call))
        if step.fail:
            self.sessions.end(state)
            raise Refusal("NotAuthorizedException", WRONG)
        if step.tokens:
            return await self._tokens(call, state, pool)
        if step.challenge == "PASSWORD_VERIFIER":
            if not srp_a:
                raise Refusal("InvalidParameterException", "Missing required parameter SRP_A")
            return self._srp_challenge(state, user, srp_a)
        return self._challenge(state, "CUSTOM_CHALLENGE", step.parameters)

    # -- the answers -----------------------------------------------------------------------
    async def _respond(self, call: AwsCall, body: dict[str, Any]) -> Response | None:
        found = self._client(call, body)
        if found is None:
            return None
        pool, client = found
        name = str(body.get("ChallengeName", ""))
        answers = _strings(body.get("ChallengeResponses"))
        token = body.get("Session")
        if name == "PASSWORD_VERIFIER":
            token = self.sessions.by_block(answers.get("PASSWORD_CLAIM_SECRET_BLOCK", "")) or token
        state, problem = self.sessions.find(str(token or ""))
        if state is None or state.client_id != client.id or state.challenge != name:
            raise Refusal("NotAuthorizedException", problem or INVALID)
        names = (answers.get("USERNAME", ""), state.typed, state.username)
        _check_secret(client, names, answers.get("SECRET_HASH"))
        user = pools.find_user(pool, state.username)
        if name == "PASSWORD_VERIFIER":
            return await self._password_verifier(call, state, pool, user, answers)
        if user is None:
            self.sessions.end(state)
            raise Refusal("NotAuthorizedException", WRONG)
        if name == "NEW_PASSWORD_REQUIRED":
            return await self._new_password(call, state, pool, user, answers)
        if name == "SOFTWARE_TOKEN_MFA":
            if not mfa.code_ok(
                mfa.totp_secret(user), answers.get("SOFTWARE_TOKEN_MFA_CODE"), self.sessions.clock()
            ):
                raise Refusal("CodeMismatchException", "Invalid code received for user")
            return await self._tokens(call, state, pool)
        if name == "EMAIL_OTP":
            sent, code = state.email_code or "", answers.get("EMAIL_OTP_CODE", "")
            if not (sent and hmac.compare_digest(sent.encode(), code.encode())):
                raise Refusal("CodeMismatchException", "Invalid code or auth state for the user.")
            return await self._tokens(call, state, pool)
        if name == "SELECT_MFA_TYPE":
            chosen = answers.get("ANSWER", "")
            if chosen not in state.mfa_choices:
                raise Refusal("InvalidParameterException", f"Invalid MFA type {chosen}")
            return await self._mfa_challenge(state, user, chosen)
        if name == "MFA_SETUP":
            if not state.totp_verified:
                raise Refusal("InvalidParameterException", "Software token MFA is not verified")
            return await self._tokens(call, state, pool)
        if name == "CUSTOM_CHALLENGE":
            await self._custom.verify(
                pool, user, state, _caller(call, state), _meta(call), answers.get("ANSWER")
            )
            return await self._custom_next(call, state, pool, user)
        raise Refusal("InvalidParameterException", f"Unsupported challenge {name}")

    async def _password_verifier(
        self, call: AwsCall, state: AuthState, pool: Any, user: Any, answers: dict[str, str]
    ) -> Response:
        assert state.srp is not None and state.secret_block is not None
        proved = srp.signature_ok(
            state.srp,
            pool_id=state.pool_id,
            user_id_for_srp=state.username,
            secret_block=state.secret_block,
            timestamp=answers.get("TIMESTAMP", ""),
            signature=answers.get("PASSWORD_CLAIM_SIGNATURE", ""),
        )
        if not proved or state.user_missing or user is None:
            self.sessions.end(state)  # one proof per challenge, as with a real SRP server
            raise Refusal("NotAuthorizedException", WRONG)
        if not user.enabled:
            raise Refusal("NotAuthorizedException", "User is disabled.")
        if state.custom:
            state.custom.append(
                {
                    "challengeName": "PASSWORD_VERIFIER",
                    "challengeResult": True,
                    "challengeMetadata": None,
                }
            )
            return await self._custom_next(call, state, pool, user)
        return await self._after_password(call, state, pool, user)

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
        email_enabled, email_preferred = mfa.email_mfa(user)
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
        message = Message(
            email_subject="Your sign-in code",
            email_message=f"Your authentication code is {CODE_PARAMETER}.",
        )
        state.email_code = await asyncio.to_thread(
            self._codes.issue, state.client_id, state.username, purpose=EMAIL_OTP, message=message
        )
        return self._challenge(
            state,
            name,
            {"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": _masked(email)},
        )

    async def _new_password(
        self, call: AwsCall, state: AuthState, pool: Any, user: Any, answers: dict[str, str]
    ) -> Response:
        new_password = answers.get("NEW_PASSWORD", "")
        if not new_password:
            raise Refusal("InvalidParameterException", "Missing required parameter NEW_PASSWORD")
        answer = await self._moto(
            call,
            "AdminSetUserPassword",
            {
                "UserPoolId": pool.id,
                "Username": state.username,
                "Password": new_password,
                "Permanent": True,
            },
            pool.region,
        )
        if answer.status_code != 200:
            return answer  # moto's InvalidPasswordException (the pool's password policy)
        attributes = [
            {"Name": key.removeprefix("userAttributes."), "Value": value}
            for key, value in answers.items()
            if key.startswith("userAttributes.")
        ]
        if attributes:
            answer = await self._moto(
                call,
                "AdminUpdateUserAttributes",
                {"UserPoolId": pool.id, "Username": state.username, "UserAttributes": attributes},
                pool.region,
            )
            if answer.status_code != 200:
                return answer
        return await self._mfa_or_tokens(call, state, pool, user)

    # -- answering -------------------------------------------------------------------------
    def _challenge(self, state: AuthState, name: str, parameters: dict[str, str]) -> Response:
        state.challenge = name
        return _json(
            {
                "ChallengeName": name,
                "Session": self.sessions.issue(state),
                "ChallengeParameters": parameters,
            }
        )

    async def _tokens(self, call: AwsCall, state: AuthState, pool: Any) -> Response:
        """moto issues the tokens (see module docstring); the sign-in's sessions end."""
        self.sessions.end(state)
        client = pool.clients[state.client_id]
        params = {"USERNAME": state.username, "SRP_A": "2"}
        if client.generate_secret:
            params["SECRET_HASH"] = secret_hash.secret_hash(
                str(client.secret), state.username, client.id
            )
        opened = await self._moto(
            call,
            "InitiateAuth",
            {"ClientId": client.id, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": params},
        )
        if opened.status_code != 200:
            return opened
        session = json.loads(bytes(opened.body))["Session"]
        responses = {"USERNAME": state.username}
        if client.generate_secret:
            responses["SECRET_HASH"] = params["SECRET_HASH"]
        return await self._moto(
            call,
            "RespondToAuthChallenge",
            {
                "ClientId": client.id,
                "ChallengeName": "MFA_SETUP",
                "Session": session,
                "ChallengeResponses": responses,
            },
        )

    async def _moto(
        self, call: AwsCall, operation: str, body: dict[str, Any], region: str = ""
    ) -> Response:
        """A request of our own to moto, made as the caller's (its headers, its call seen by
        moto's thread, so pre token generation gets the caller's trigger source)."""
        from stratus.local.core.front_door import CURRENT_CALL

        data = json.dumps(body).encode()
        headers = {
            k: v
            for k, v in call.request.headers.items()
            if k not in ("content-length", "x-amz-target")
        }
        headers.update({"x-amz-target": TARGET + operation, "content-length": str(len(data))})
        if "authorization" not in headers and region:
            # An unsigned sign-in call names no region; moto's Admin* operations need the
            # pool's (moto reads it from the credential scope, and checks no signature).
            headers["authorization"] = (
                f"AWS4-HMAC-SHA256 Credential=test/20200101/{region}/cognito-idp/aws4_request,"
                " SignedHeaders=host, Signature=0"
            )
        request = dataclasses.replace(call.request, headers=headers, body=data)
        token = CURRENT_CALL.set(call)
        try:
            return await self._forward(request)
        finally:
            CURRENT_CALL.reset(token)


def _check_secret(client: Any, names: tuple[str, ...], sent: object) -> None:
    problem = secret_hash.problem(client, names, sent)
    if problem is not None:
        raise Refusal(*problem)


def _prevents_existence_errors(client: Any) -> bool:
    return client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"


def _refuse_unknown(client: Any) -> None:
    """PreventUserExistenceErrors: ENABLED answers as for a wrong password; LEGACY (the
    default when unset) names the missing user.
    https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html
    """
    if _prevents_existence_errors(client):
        raise Refusal("NotAuthorizedException", WRONG)
    raise Refusal("UserNotFoundException", "User does not exist.")


def _masked(email: str) -> str:
    """Cognito's masked destination ('a***@e***')."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain[:1]}***" if domain else "***"


def _caller(call: AwsCall, state: AuthState) -> Caller:
    return Caller(state.client_id, sdk_version(call))


def _meta(call: AwsCall) -> dict[str, Any]:
    meta = call.json_body().get("ClientMetadata")
    return dict(meta) if isinstance(meta, dict) else {}
