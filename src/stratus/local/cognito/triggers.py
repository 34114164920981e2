"""Cognito user pool Lambda triggers: Cognito's event, its synchronous invoke, its errors.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-identity-pools-working-with-aws-lambda-triggers.html
- Every trigger gets the common fields (`version`, `triggerSource`, `region`, `userPoolId`,
  `userName`, `callerContext` {`awsSdkVersion`, `clientId`}, `request`, `response`) and
  returns the same event with its `response` filled in.
- Cognito invokes synchronously (RequestResponse) and waits 5 seconds; a function that does
  not answer in time is retried, and after 3 unanswered attempts the request fails.
- A function error fails the request with UserLambdaValidationException,
  "<Trigger> failed with error <errorMessage>." (e.g. "PreSignUp failed with error ...").

What Cognito answers when it could not get an answer at all is not on that page; it is the
UnexpectedLambdaException "<Trigger> invocation failed due to error <reason>." users report
for slow functions ("Socket timeout while invoking Lambda function.", e.g.
https://github.com/anomalyco/sst/issues/1815) and missing permissions
(https://repost.aws/knowledge-center/cognito-lambda-trigger-errors); an answer that is not
an event is InvalidLambdaResponseException "Unrecognizable lambda output".
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.core.call import AwsCall
from stratus.local.core.contracts import FunctionNotFoundError, InvokeResult, TooManyRequestsError

log = logging.getLogger("stratus.cognito")

TIMEOUT_SECONDS = 5.0  # Cognito's fixed wait for each attempt (page above)
ATTEMPTS = 3  # "After 3 unsuccessful attempts, the function times out."

# function ARN (or name) and the event as JSON -> what Lambda's Invoke answered
Invoke = Callable[[str, bytes], Awaitable[InvokeResult]]


class TriggerError(Exception):
    """A trigger failed the request: the AWS error Cognito answers with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self, call: AwsCall) -> Any:
        return call.error(self.code, self.message, 400)


@dataclass(frozen=True)
class Caller:
    """Who asked: the app client (or NO_CLIENT for IAM operations) and the SDK."""

    client_id: str
    sdk_version: str = "aws-sdk-unknown-unknown"


def sdk_version(call: AwsCall | None) -> str:
    """`callerContext.awsSdkVersion` from the caller's User-Agent ('Boto3/1.35.1 ...' ->
    'aws-sdk-boto3-1.35.1'); Cognito's own value for callers it cannot name is used else."""
    agent = "" if call is None else call.request.headers.get("user-agent", "")
    match = re.match(r"\s*([A-Za-z][\w.-]*)/([\w.-]+)", agent)
    if match is None:
        return "aws-sdk-unknown-unknown"
    name = match.group(1).lower().removeprefix("aws-sdk-")
    return f"aws-sdk-{name}-{match.group(2)}"


def event(
    trigger_source: str,
    *,
    region: str,
    pool_id: str,
    username: str,
    caller: Caller,
    request: Mapping[str, Any],
    response: Mapping[str, Any] | None = None,
    version: str = "1",
) -> dict[str, Any]:
    """A trigger event with Cognito's common fields (page in the module docstring)."""
    return {
        "version": version,
        "triggerSource": trigger_source,
        "region": region,
        "userPoolId": pool_id,
        "userName": username,
        "callerContext": {"awsSdkVersion": caller.sdk_version, "clientId": caller.client_id},
        "request": dict(request),
        "response": dict(response or {}),
    }


class TriggerInvoker:
    """Invokes a trigger function as Cognito does; returns the `response` it sent back."""

    def __init__(
        self, invoke: Invoke, *, timeout_s: float = TIMEOUT_SECONDS, attempts: int = ATTEMPTS
    ) -> None:
        self._invoke = invoke
        self._timeout_s = timeout_s
        self._attempts = attempts
        self._late: set[asyncio.Future[InvokeResult]] = set()

    async def __call__(
        self, trigger: str, function: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """`trigger`: the LambdaConfig name ('PreSignUp'), as Cognito's messages name it."""
        body = json.dumps(payload).encode()
        result: InvokeResult | None = None
        for attempt in range(1, self._attempts + 1):
            pending = asyncio.ensure_future(self._invoke(function, body))
            try:
                # Cognito stops waiting; the function itself runs on to its own timeout.
                result = await asyncio.wait_for(asyncio.shield(pending), self._timeout_s)
                break
            except TimeoutError:
                self._forget(pending)
                log.info(
                    "%s trigger %s: no answer in %ss (attempt %d)",
                    trigger,
                    function,
                    self._timeout_s,
                    attempt,
                )
            except FunctionNotFoundError:
                raise _unexpected(trigger, "ResourceNotFoundException") from None
            except TooManyRequestsError:
                raise _unexpected(trigger, "TooManyRequestsException") from None
        if result is None:
            raise _unexpected(trigger, "Socket timeout while invoking Lambda function")
        if result.function_error:
            raise TriggerError(
                "UserLambdaValidationException",
                f"{trigger} failed with error {_error_message(result.payload)}.",
            )
        try:
            answer = json.loads(result.payload or b"null")
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise TriggerError("InvalidLambdaResponseException", "Unrecognizable lambda output")
        response = answer.get("response")
        return response if isinstance(response, dict) else {}

    def _forget(self, pending: asyncio.Future[InvokeResult]) -> None:
        self._late.add(pending)

        def done(future: asyncio.Future[InvokeResult]) -> None:
            self._late.discard(future)
            if not future.cancelled():
                future.exception()  # retrieved: a late failure is not an unhandled error

        pending.add_done_callback(done)


def _unexpected(trigger: str, reason: str) -> TriggerError:
    return TriggerError(
        "UnexpectedLambdaException", f"{trigger} invocation failed due to error {reason}."
    )


def _error_message(payload: bytes) -> str:
    """The errorMessage of Lambda's error payload (the whole payload if it has none)."""
    try:
        body = json.loads(payload or b"{}")
    except ValueError:
        return payload.decode("utf-8", "replace")
    if isinstance(body, dict) and "errorMessage" in body:
        return str(body["errorMessage"])
    return json.dumps(body)
