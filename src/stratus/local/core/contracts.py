"""The seams between the parts of the local cloud, so each can be built and tested alone.

`up` wires concrete objects into a LocalContext; the front door, gateway and DAX endpoint
receive it and call only what is declared here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from starlette.responses import Response

    from stratus.local.core.aws_request import AwsRequest
    from stratus.local.core.settings import LocalSettings
    from stratus.local.iam.credentials import CredentialStore
    from stratus.local.provision.model import Deployment


@dataclass
class InvokeResult:
    """What Lambda's Invoke API answers: payload plus the X-Amz-Function-Error marker."""

    status_code: int  # 200 for RequestResponse, 202 for Event
    payload: bytes
    function_error: str | None = None  # "Unhandled" when the function raised or timed out
    log_result: str | None = None  # last 4 KB of the log, base64 (LogType=Tail)
    executed_version: str = "$LATEST"


class FunctionNotFoundError(Exception):
    """No function by that name, ARN or logical id (Lambda: ResourceNotFoundException, 404)."""


class TooManyRequestsError(Exception):
    """The function's concurrency limit is reached (Lambda: TooManyRequestsException, 429)."""


class LambdaInvoker(Protocol):
    async def invoke(
        self,
        function: str,
        payload: bytes,
        *,
        invocation_type: str = "RequestResponse",
        client_context: str | None = None,
        log_type: str | None = None,
    ) -> InvokeResult:
        """Run `function` (name, ARN, or 'Stack/LogicalId') on a warm worker."""
        ...


class TokenKeys(Protocol):
    """The per-installation key that signs Cognito tokens locally (replaces moto's bundled one)."""

    kid: str

    def jwks(self) -> dict[str, Any]:
        """The public JSON Web Key Set served at /{poolId}/.well-known/jwks.json."""
        ...


class AwsInterceptor(Protocol):
    """Handles an AWS API request before moto, or returns None to let moto answer it."""

    async def __call__(self, request: AwsRequest) -> Response | None: ...


@dataclass
class LocalContext:
    settings: LocalSettings
    deployment: Deployment
    credentials: CredentialStore
    lambdas: LambdaInvoker
    token_keys: TokenKeys
    # What token expiry is checked against: the cloud clock tests can move (core.clock);
    # None: the gateway's own clock.
    token_clock: Callable[[], float] | None = None
