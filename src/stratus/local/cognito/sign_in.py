"""Pre and post authentication triggers around moto's sign-in.

- Pre authentication (`PreAuthentication_Authentication`) runs when a user who exists
  attempts to sign in; InitiateAuth's ClientMetadata reaches it as `validationData`; a
  function error fails the sign-in.
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-authentication.html
- Post authentication (`PostAuthentication_Authentication`) runs after a sign-in that issued
  tokens (refreshes are not sign-ins); ClientMetadata reaches it only from
  (Admin)RespondToAuthChallenge; a function error fails the sign-in (no tokens returned).
  https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-authentication.html
Pre token generation runs inside moto's token building (`cognito.tokens`), so here it has
already run when post authentication does. The sign-in itself (passwords, SRP, MFA, custom
challenges) is `answer`'s, the `cognito.auth_flows` engine; what it leaves goes to moto.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.responses import Response

from stratus.local.cognito import pools
from stratus.local.cognito.flows import Forward
from stratus.local.cognito.triggers import Caller, TriggerError, TriggerInvoker, event, sdk_version
from stratus.local.core.call import AwsCall
from stratus.local.core.registry import Hook

_REFRESH = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
_INITIATE = ("InitiateAuth", "AdminInitiateAuth")
_RESPOND = ("RespondToAuthChallenge", "AdminRespondToAuthChallenge")
# A routed call -> the sign-in engine's answer (None: moto answers).
Answer = Callable[[AwsCall], Awaitable[Response | None]]


class SignInTriggers:
    OPERATIONS = (*_INITIATE, *_RESPOND)

    def __init__(
        self, forward: Forward, invoker: TriggerInvoker | None, answer: Answer | None = None
    ) -> None:
        self._forward = forward
        self._invoker = invoker
        self._answer = answer

    def hooks(self) -> Iterable[Hook]:
        return [Hook("cognito-idp", op, before=self.sign_in) for op in self.OPERATIONS]

    async def sign_in(self, call: AwsCall) -> Response | None:
        """The sign-in, with pre/post authentication around it when the pool has them."""
        if self._invoker is None:
            return await self._engine(call)
        body = call.json_body()
        client_id = str(body.get("ClientId", ""))
        pool = pools.pool_by_client(client_id)
        if pool is None:
            return await self._engine(call)
        config = pools.lambda_config(pool)
        if not (config.get("PreAuthentication") or config.get("PostAuthentication")):
            return await self._engine(call)
        if call.operation in _INITIATE and body.get("AuthFlow") in _REFRESH:
            return await self._engine(call)
        caller = Caller(client_id, sdk_version(call))
        meta = body.get("ClientMetadata") if isinstance(body.get("ClientMetadata"), dict) else None
        try:
            if call.operation in _INITIATE and config.get("PreAuthentication"):
                params = body.get("AuthParameters") or {}
                user = pools.find_user(pool, str(params.get("USERNAME", "")))
                if user is not None:  # "dependent on the user existing" (page above)
                    await self._run(
                        pool,
                        "PreAuthentication",
                        call,
                        caller,
                        user,
                        {"validationData": meta or None, "userNotFound": False},
                    )
            response = await self._forward_call(call)
            if response.status_code != 200 or not config.get("PostAuthentication"):
                return response
            user = _signed_in_user(pool, body, response)
            if user is not None:
                extra: dict[str, Any] = {"newDeviceUsed": False}
                if call.operation in _RESPOND and meta:
                    extra["clientMetadata"] = meta
                await self._run(pool, "PostAuthentication", call, caller, user, extra)
            return response
        except TriggerError as exc:
            return exc.response(call)

    async def _engine(self, call: AwsCall) -> Response | None:
        return None if self._answer is None else await self._answer(call)

    async def _forward_call(self, call: AwsCall) -> Response:
        """The engine's (else moto's) answer, with the call visible to moto's thread (pre
        token generation)."""
        from stratus.local.core.front_door import CURRENT_CALL

        answered = await self._engine(call)
        if answered is not None:
            return answered
        token = CURRENT_CALL.set(call)
        try:
            return await self._forward(call.request)
        finally:
            CURRENT_CALL.reset(token)

    async def _run(
        self,
        pool: Any,
        trigger: str,
        call: AwsCall,
        caller: Caller,
        user: Any,
        extra: dict[str, Any],
    ) -> None:
        assert self._invoker is not None
        function = str(pools.lambda_config(pool)[trigger])
        payload = event(
            f"{trigger}_Authentication",
            region=pool.region,
            pool_id=pool.id,
            username=user.username,
            caller=caller,
            request={"userAttributes": pools.user_attributes(user), **extra},
        )
        await self._invoker(trigger, function, payload)


def _signed_in_user(pool: Any, body: dict[str, Any], response: Response) -> Any | None:
    """The user a successful answer issued tokens to (None: a challenge, not tokens yet)."""
    try:
        answer = json.loads(bytes(response.body))
    except ValueError:
        return None
    if not isinstance(answer, dict) or "AuthenticationResult" not in answer:
        return None
    params = body.get("AuthParameters") or body.get("ChallengeResponses") or {}
    return pools.find_user(pool, str(params.get("USERNAME", "")))
