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

moto still keeps the users and issues the tokens (`moto_sign_in`).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from typing import Any

from starlette.responses import Response

from stratus.local.cognito import mfa, pools, secret_hash, srp
from stratus.local.cognito.auth_sessions import INVALID, AuthSessions, AuthState
from stratus.local.cognito.auth_steps import WRONG, AuthSteps, Refusal, json_response
from stratus.local.cognito.codes import ConfirmationCodes
from stratus.local.cognito.custom_auth import CustomAuth, configured
from stratus.local.cognito.moto_sign_in import Forward, MotoSignIn
from stratus.local.cognito.triggers import Caller, TriggerError, sdk_version
from stratus.local.core.call import AwsCall

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


def _strings(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


class AuthFlows(AuthSteps):
    """The sign-in engine; `__call__` answers a routed call or returns None (moto's)."""

    def __init__(
        self,
        forward: Forward,
        sessions: AuthSessions,
        custom: CustomAuth | None = None,
        codes: ConfirmationCodes | None = None,
    ) -> None:
        super().__init__(MotoSignIn(forward), sessions, codes)
        self._custom = custom or CustomAuth(None)

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
        if found is not None and flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
            _check_refresh_secret(*found, _strings(body.get("AuthParameters")))
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
        return json_response(
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
        typed = answers.get("USERNAME", "")
        if not typed:
            raise Refusal("InvalidParameterException", "Missing required parameter USERNAME")
        _check_secret(client, (typed, state.typed, state.username), answers.get("SECRET_HASH"))
        user = pools.find_user(pool, state.username)
        if user is not None and pools.find_user(pool, typed) is not user:
            raise Refusal("NotAuthorizedException", INVALID)  # another user's session
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

    async def _new_password(
        self, call: AwsCall, state: AuthState, pool: Any, user: Any, answers: dict[str, str]
    ) -> Response:
        new_password = answers.get("NEW_PASSWORD", "")
        if not new_password:
            raise Refusal("InvalidParameterException", "Missing required parameter NEW_PASSWORD")
        answer = await self._moto.set_password(call, pool, state.username, new_password)
        if answer.status_code != 200:
            return answer  # moto's InvalidPasswordException (the pool's password policy)
        attributes = [
            {"Name": key.removeprefix("userAttributes."), "Value": value}
            for key, value in answers.items()
            if key.startswith("userAttributes.")
        ]
        if attributes:
            answer = await self._moto.update_attributes(call, pool, state.username, attributes)
            if answer.status_code != 200:
                return answer
        return await self._mfa_or_tokens(call, state, pool, user)


def _check_secret(client: Any, names: tuple[str, ...], sent: object) -> None:
    problem = secret_hash.problem(client, names, sent)
    if problem is not None:
        raise Refusal(*problem)


def _check_refresh_secret(pool: Any, client: Any, params: dict[str, str]) -> None:
    """REFRESH_TOKEN_AUTH's SECRET_HASH is made with the user's internal username (the sub
    in a pool whose usernames are e-mail addresses), which the refresh token names; moto
    checks it too, but answers a missing or wrong one with a bare NotAuthorizedException.
    https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
    """
    if not client.generate_secret:
        return
    issued = pool.refresh_tokens.get(params.get("REFRESH_TOKEN", ""))
    if not issued:
        return  # moto answers for an unknown or revoked refresh token
    user = pools.find_user(pool, str(issued[1]))
    names = (str(issued[1]), str(user.username) if user is not None else "")
    _check_secret(client, names, params.get("SECRET_HASH"))


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


def _caller(call: AwsCall, state: AuthState) -> Caller:
    return Caller(state.client_id, sdk_version(call))


def _meta(call: AwsCall) -> dict[str, Any]:
    meta = call.json_body().get("ClientMetadata")
    return dict(meta) if isinstance(meta, dict) else {}
