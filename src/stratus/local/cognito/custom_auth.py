"""CUSTOM_AUTH: the define / create / verify auth challenge triggers decide the sign-in.

https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-challenge.html
- Define auth challenge (`DefineAuthChallenge_Authentication`) sees the session so far, a
  list of {challengeName, challengeResult, challengeMetadata}, and answers challengeName,
  issueTokens or failAuthentication.
- Create auth challenge (`CreateAuthChallenge_Authentication`) makes a CUSTOM_CHALLENGE:
  publicChallengeParameters go to the client, privateChallengeParameters (the answer) stay
  with the session, challengeMetadata goes into the session list.
- Verify auth challenge response (`VerifyAuthChallengeResponse_Authentication`) gets the
  client's ANSWER with the private parameters and answers answerCorrect.
- With SRP_A in the AuthParameters the session starts with {challengeName: "SRP_A"} and the
  define trigger may ask for PASSWORD_VERIFIER first (the sign-in engine runs it).
ClientMetadata reaches every one of them. `cognito.auth_flows` runs the rest of the flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stratus.local.cognito import pools
from stratus.local.cognito.auth_sessions import AuthState
from stratus.local.cognito.triggers import Caller, TriggerError, TriggerInvoker, event

DEFINE, CREATE, VERIFY = (
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
)


@dataclass
class Step:
    """What the define trigger decided: tokens, failure, or the next challenge."""

    tokens: bool = False
    fail: bool = False
    challenge: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)


def configured(pool: Any) -> bool:
    config = pools.lambda_config(pool)
    return bool(config.get(DEFINE))


class CustomAuth:
    def __init__(self, invoker: TriggerInvoker | None) -> None:
        self._invoker = invoker

    async def _run(
        self,
        trigger: str,
        pool: Any,
        user: Any,
        caller: Caller,
        request: dict[str, Any],
        response: dict[str, Any],
    ) -> dict[str, Any]:
        function = pools.lambda_config(pool).get(trigger)
        if not function or self._invoker is None:
            raise TriggerError(
                "InvalidLambdaResponseException", f"{trigger} trigger is not configured"
            )
        payload = event(
            f"{trigger}_Authentication",
            region=pool.region,
            pool_id=pool.id,
            username=user.username,
            caller=caller,
            request={"userAttributes": pools.user_attributes(user), **request},
            response=response,
        )
        return await self._invoker(trigger, str(function), payload)

    async def next_step(
        self, pool: Any, user: Any, state: AuthState, caller: Caller, meta: dict[str, Any]
    ) -> Step:
        common = {"clientMetadata": meta, "userNotFound": False}
        answer = await self._run(
            DEFINE,
            pool,
            user,
            caller,
            {"session": list(state.custom), **common},
            {"challengeName": None, "issueTokens": False, "failAuthentication": False},
        )
        if answer.get("failAuthentication") is True:
            return Step(fail=True)
        if answer.get("issueTokens") is True:
            return Step(tokens=True)
        name = answer.get("challengeName")
        if name == "PASSWORD_VERIFIER":
            return Step(challenge=name)
        if name != "CUSTOM_CHALLENGE":
            raise TriggerError("InvalidLambdaResponseException", "Unrecognizable lambda output")
        created = await self._run(
            CREATE,
            pool,
            user,
            caller,
            {"challengeName": name, "session": list(state.custom), **common},
            {
                "publicChallengeParameters": None,
                "privateChallengeParameters": None,
                "challengeMetadata": None,
            },
        )
        public = created.get("publicChallengeParameters") or {}
        private = created.get("privateChallengeParameters") or {}
        state.private = dict(private) if isinstance(private, dict) else {}
        metadata = created.get("challengeMetadata")
        state.challenge_metadata = metadata if isinstance(metadata, str) else None
        parameters = (
            {str(k): str(v) for k, v in dict(public).items()} if isinstance(public, dict) else {}
        )
        parameters["USERNAME"] = user.username
        return Step(challenge=name, parameters=parameters)

    async def verify(
        self,
        pool: Any,
        user: Any,
        state: AuthState,
        caller: Caller,
        meta: dict[str, Any],
        answer: object,
    ) -> bool:
        result = await self._run(
            VERIFY,
            pool,
            user,
            caller,
            {
                "privateChallengeParameters": state.private,
                "challengeAnswer": answer if isinstance(answer, str) else "",
                "clientMetadata": meta,
                "userNotFound": False,
            },
            {"answerCorrect": False},
        )
        correct = result.get("answerCorrect") is True
        state.custom.append(
            {
                "challengeName": "CUSTOM_CHALLENGE",
                "challengeResult": correct,
                "challengeMetadata": state.challenge_metadata,
            }
        )
        return correct
