"""Pre token generation: the trigger's answer applied to the tokens moto builds.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
- V1 (`LambdaConfig.PreTokenGeneration`, or `PreTokenGenerationConfig.LambdaVersion: V1_0`):
  `claimsOverrideDetails` {`claimsToAddOrOverride`, `claimsToSuppress`,
  `groupOverrideDetails`} edits the ID token; the group override replaces `cognito:groups`
  in the access token as well.
- V2 (`PreTokenGenerationConfig.LambdaVersion: V2_0`): `claimsAndScopeOverrideDetails`
  {`idTokenGeneration`, `accessTokenGeneration` (+ `scopesToAdd`, `scopesToSuppress`),
  `groupOverrideDetails`} edits both tokens; the event's `version` is "2" and its request
  carries the access token's `scopes`.
- A claim both suppressed and overridden is suppressed; the claims the page lists as not
  modifiable (`sub`, `iss`, `exp`, `token_use`, ...) keep their value (here: the edit is
  ignored, and logged).
- triggerSource: TokenGeneration_Authentication, _RefreshTokens (REFRESH_TOKEN_AUTH),
  _NewPasswordChallenge (answering NEW_PASSWORD_REQUIRED). clientMetadata only reaches it
  from (Admin)RespondToAuthChallenge (InitiateAuth's ClientMetadata does not:
  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html).

Where: moto builds every user token — sign-in, challenge answers, refresh — with
`CognitoIdpUserPool.create_access_token` / `create_id_token`, so those are wrapped (one
trigger call per token pair). They run in moto's worker thread; the trigger runs on the
event loop (the Lambda runtime lives there) and the thread waits for it. The edit reaches
the claims through the signing shim (`cognito_keys.CLAIMS_EDIT`), so moto's own records of
the tokens hold the tokens issued.

The same wrappers give every token Cognito's time claims (`_times`: the client's lifetimes,
the session's `auth_time`, a shared `event_id`), and `create_refresh_token` is wrapped to
record the session it starts (`cognito.sessions`), with or without a trigger.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from stratus.local.cognito import pools, sessions
from stratus.local.cognito.keys import CLAIMS_EDIT
from stratus.local.cognito.triggers import Caller, TriggerError, TriggerInvoker, event, sdk_version
from stratus.local.core import determinism
from stratus.local.core.call import AwsCall

log = logging.getLogger("stratus.cognito")

# Not modifiable (page above), plus what identifies an access token's client and user.
PROTECTED = frozenset(
    {
        "acr",
        "amr",
        "aud",
        "at_hash",
        "auth_time",
        "azp",
        "cognito:username",
        "exp",
        "iat",
        "identities",
        "iss",
        "jti",
        "nbf",
        "nonce",
        "origin_jti",
        "sub",
        "token_use",
        "client_id",
        "username",
        "scope",
    }
)
ACCESS_SCOPE = "aws.cognito.signin.user.admin"  # the scope moto gives user access tokens


@dataclass
class TokenEdit:
    """What one trigger answer changes, per token."""

    id_add: dict[str, Any] = field(default_factory=dict)
    id_suppress: list[str] = field(default_factory=list)
    access_add: dict[str, Any] = field(default_factory=dict)
    access_suppress: list[str] = field(default_factory=list)
    scopes_add: list[str] = field(default_factory=list)
    scopes_suppress: list[str] = field(default_factory=list)
    groups: dict[str, Any] | None = None  # groupOverrideDetails, when the answer has one

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any], version: str) -> TokenEdit:
        if version == "V1_0":
            details = _dict(answer.get("claimsOverrideDetails"))
            return cls(
                id_add=_dict(details.get("claimsToAddOrOverride")),
                id_suppress=_strings(details.get("claimsToSuppress")),
                groups=_group_override(details),
            )
        details = _dict(answer.get("claimsAndScopeOverrideDetails"))
        id_token = _dict(details.get("idTokenGeneration"))
        access = _dict(details.get("accessTokenGeneration"))
        return cls(
            id_add=_dict(id_token.get("claimsToAddOrOverride")),
            id_suppress=_strings(id_token.get("claimsToSuppress")),
            access_add=_dict(access.get("claimsToAddOrOverride")),
            access_suppress=_strings(access.get("claimsToSuppress")),
            scopes_add=_strings(access.get("scopesToAdd")),
            scopes_suppress=_strings(access.get("scopesToSuppress")),
            groups=_group_override(details),
        )

    def apply(self, claims: dict[str, Any]) -> dict[str, Any]:
        is_id = claims.get("token_use") == "id"
        add, suppress = (
            (self.id_add, self.id_suppress) if is_id else (self.access_add, self.access_suppress)
        )
        for name, value in add.items():
            if name in PROTECTED or name.startswith("cognito:"):
                log.warning("pre token generation may not set %s; ignored", name)
                continue
            claims[name] = value
        for name in suppress:
            if name in PROTECTED:
                log.warning("pre token generation may not suppress %s; ignored", name)
                continue
            claims.pop(name, None)
        if self.groups is not None:
            _set_or_drop(claims, "cognito:groups", self.groups.get("groupsToOverride"))
            if is_id:
                _set_or_drop(claims, "cognito:roles", self.groups.get("iamRolesToOverride"))
                _set_or_drop(claims, "cognito:preferred_role", self.groups.get("preferredRole"))
        if not is_id and (self.scopes_add or self.scopes_suppress):
            scopes = str(claims.get("scope", "")).split()
            scopes += [s for s in self.scopes_add if s not in scopes]
            claims["scope"] = " ".join(s for s in scopes if s not in self.scopes_suppress)
        return claims


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _group_override(details: Mapping[str, Any]) -> dict[str, Any] | None:
    value = details.get("groupOverrideDetails")
    return dict(value) if isinstance(value, dict) else None


def _set_or_drop(claims: dict[str, Any], name: str, value: Any) -> None:
    if value in (None, [], ""):
        claims.pop(name, None)
    else:
        claims[name] = value


def trigger_source(call: AwsCall | None) -> str:
    body = {} if call is None else call.json_body()
    operation = None if call is None else call.operation
    if operation in ("InitiateAuth", "AdminInitiateAuth") and body.get("AuthFlow") in (
        "REFRESH_TOKEN_AUTH",
        "REFRESH_TOKEN",
    ):
        return "TokenGeneration_RefreshTokens"
    if operation == "GetTokensFromRefreshToken":
        return "TokenGeneration_RefreshTokens"
    if operation in ("RespondToAuthChallenge", "AdminRespondToAuthChallenge") and (
        body.get("ChallengeName") == "NEW_PASSWORD_REQUIRED"
    ):
        return "TokenGeneration_NewPasswordChallenge"
    return "TokenGeneration_Authentication"


def pre_token_function(pool: Any) -> tuple[str, str] | None:
    """(function ARN, 'V1_0' | 'V2_0' ...) configured on the pool, or None."""
    config = pools.lambda_config(pool)
    versioned = config.get("PreTokenGenerationConfig") or {}
    if isinstance(versioned, dict) and versioned.get("LambdaArn"):
        return str(versioned["LambdaArn"]), str(versioned.get("LambdaVersion") or "V1_0")
    if config.get("PreTokenGeneration"):
        return str(config["PreTokenGeneration"]), "V1_0"
    return None


class TokenTriggers:
    """Runs the pre token generation trigger for a token pair (from moto's thread)."""

    def __init__(self, invoker: TriggerInvoker, loop: asyncio.AbstractEventLoop) -> None:
        self._invoker = invoker
        self._loop = loop

    def edit_for(
        self, pool: Any, client_id: str, username: str, origin_jti: str = ""
    ) -> TokenEdit | None:
        configured = pre_token_function(pool)
        user = pools.find_user(pool, username)
        if configured is None or user is None:
            return None
        function, version = configured
        from stratus.local.core.front_door import CURRENT_CALL

        call = CURRENT_CALL.get()
        groups = sorted(user.groups, key=lambda g: (g.precedence is None, g.precedence or 0))
        roles = [g.role_arn for g in groups if g.role_arn]
        request: dict[str, Any] = {
            "userAttributes": pools.user_attributes(user),
            "groupConfiguration": {
                "groupsToOverride": [g.group_name for g in groups],
                "iamRolesToOverride": roles,
                "preferredRole": roles[0] if roles else None,
            },
        }
        if call is not None and call.operation in (
            "RespondToAuthChallenge",
            "AdminRespondToAuthChallenge",
        ):
            meta = call.json_body().get("ClientMetadata")
            if isinstance(meta, dict) and meta:
                request["clientMetadata"] = meta
        if version != "V1_0":
            request["scopes"] = [ACCESS_SCOPE]
        payload = event(
            trigger_source(call),
            region=pool.region,
            pool_id=pool.id,
            username=user.username,
            caller=Caller(client_id, sdk_version(call)),
            request=request,
            response={},
            version="1" if version == "V1_0" else version.split("_")[0].lstrip("V"),
        )

        def invoke() -> dict[str, Any]:
            try:
                return {
                    "answer": self._wait(self._invoker("PreTokenGeneration", function, payload))
                }
            except TriggerError as exc:
                return {"error": [exc.code, exc.message]}

        # The function's answer is recorded in the journal entry and read back on replay, so
        # the tokens moto keeps come back as they were (the function is not called again).
        key = f"PreTokenGeneration {pool.id} {client_id} {username} {origin_jti}"
        outcome = determinism.side_input(key, invoke) or {
            "error": ["UnexpectedLambdaException", "PreTokenGeneration answer was not recorded"]
        }
        if "error" in outcome:
            raise TriggerError(*outcome["error"])
        return TokenEdit.from_answer(outcome["answer"], version)

    def _wait(self, coro: Any) -> dict[str, Any]:
        if threading.get_ident() == getattr(self._loop, "_thread_id", None):
            coro.close()  # on the loop's own thread a wait would never end
            raise TriggerError(
                "UnexpectedLambdaException",
                "PreTokenGeneration invocation failed due to error local event loop busy.",
            )
        result: dict[str, Any] = asyncio.run_coroutine_threadsafe(coro, self._loop).result()
        return result


_active: TokenTriggers | None = None
_install_lock = threading.Lock()
# The edits made for the request moto is answering, by (pool, client, user, origin_jti): the
# access and ID token of one pair share one trigger call. moto runs each request in a copy of
# the caller's context, so what is set here lasts exactly one request.
_PAIRS: ContextVar[dict[tuple[str, str, str, str], TokenEdit | None] | None] = ContextVar(
    "stratus_cognito_token_pairs", default=None
)
# The event_id each token pair of the request shares, by the same key.
_EVENTS: ContextVar[dict[tuple[str, str, str, str, int], str] | None] = ContextVar(
    "stratus_cognito_token_events", default=None
)


def _edit(pool: Any, client_id: str, username: str, origin_jti: str) -> TokenEdit | None:
    active = _active
    if active is None:
        return None
    pairs = _PAIRS.get()
    if pairs is None:
        pairs = {}
        _PAIRS.set(pairs)
    key = (str(pool.id), client_id, username, origin_jti)
    if key not in pairs:
        try:
            pairs[key] = active.edit_for(pool, client_id, username, origin_jti)
        except TriggerError as exc:
            from moto.core.exceptions import JsonRESTError

            raise JsonRESTError(exc.code, exc.message) from None
    return pairs[key]


def install(triggers: TokenTriggers | None) -> None:
    """Route moto's token building through `triggers` (None: no trigger; the time claims
    and sessions still apply).

    moto makes each token of a pair with `create_access_token` / `create_id_token` (from
    `create_tokens_from_refresh_token` for sign-in and refresh, directly for
    USER_PASSWORD_AUTH), so those two are wrapped.
    """
    global _active
    from moto.cognitoidp.models import CognitoIdpUserPool

    with _install_lock:
        _active = triggers
        for name, kind in (("create_access_token", "AccessToken"), ("create_id_token", "IdToken")):
            original = getattr(CognitoIdpUserPool, name)
            if getattr(original, "_stratus", False):
                continue
            setattr(CognitoIdpUserPool, name, _wrapped(original, kind))
        original = CognitoIdpUserPool.create_refresh_token
        if not getattr(original, "_stratus", False):
            CognitoIdpUserPool.create_refresh_token = _recording(original)  # type: ignore[method-assign]


def _wrapped(original: Any, kind: str) -> Any:
    def create_token(self: Any, client_id: str, username: str, origin_jti: str) -> Any:
        edit = _edit(self, client_id, username, origin_jti)
        times, lifetime = _times(self, client_id, username, origin_jti, kind)

        def apply(claims: dict[str, Any]) -> dict[str, Any]:
            return times(edit.apply(claims) if edit is not None else claims)

        token = CLAIMS_EDIT.set(apply)
        try:
            signed, _ = original(self, client_id, username, origin_jti)
        finally:
            CLAIMS_EDIT.reset(token)
        return signed, lifetime

    create_token._stratus = True  # type: ignore[attr-defined]
    return create_token


def _recording(original: Any) -> Any:
    """moto's create_refresh_token, plus the session it starts (`sessions.record`)."""

    def create_refresh_token(self: Any, client_id: str, username: str) -> tuple[str, str]:
        refresh_token, origin_jti = original(self, client_id, username)
        sessions.record(self, client_id, username, origin_jti)
        return refresh_token, origin_jti

    create_refresh_token._stratus = True  # type: ignore[attr-defined]
    return create_refresh_token


def _times(pool: Any, client_id: str, username: str, origin_jti: str, kind: str) -> tuple[Any, int]:
    """The time claims Cognito gives a token of `kind`, and its lifetime in seconds.

    `iat` is the request's clock (`sessions.issue_time`), `exp` = iat + the client's
    validity, `auth_time` the sign-in that started the session (kept across refreshes),
    and the access/ID tokens of one pair share an `event_id`, as Cognito's do
    (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html).
    """
    from moto.moto_api._internal import mock_random

    issued = int(sessions.issue_time())
    lifetime = sessions.validity_seconds(sessions.client_config(pool, client_id), kind)
    session = sessions.sessions_of(pool).get(origin_jti)
    auth_time = session.auth_time if session is not None else issued
    events = _EVENTS.get()
    if events is None:
        events = {}
        _EVENTS.set(events)
    key = (str(pool.id), client_id, username, origin_jti, issued)
    if key not in events:
        events[key] = str(mock_random.uuid4())
    event_id = events[key]

    def apply(claims: dict[str, Any]) -> dict[str, Any]:
        claims.update(iat=issued, exp=issued + lifetime, auth_time=auth_time, event_id=event_id)
        return claims

    return apply, lifetime
