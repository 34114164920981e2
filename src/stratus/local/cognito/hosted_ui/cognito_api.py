"""The local Cognito's public API, called in-process by the hosted UI.

Sign-in, sign-up and password resets go through the AWS endpoint itself (routing, every
hook, moto), not to moto directly: the password, SRP-verifier, MFA and trigger checks the
cognito package adds apply to the hosted UI exactly as to an SDK. These operations are
unauthenticated in Cognito (the app client id, and SECRET_HASH for a client with a secret,
identify the caller), so the requests carry no SigV4 signature.

`claims` edits the tokens moto signs for this one call (the hosted UI's `scope` and
`nonce`) through `keys.REQUEST_CLAIMS_EDIT` — applied after the token building's own edits
(pre token generation, lifetimes) — which moto's worker thread sees (the context is copied).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from stratus.local.cognito.keys import REQUEST_CLAIMS_EDIT
from stratus.local.core.aws_request import AwsRequest

Endpoint = Callable[[AwsRequest], Awaitable[Response]]
ClaimsEdit = Callable[[dict[str, Any]], dict[str, Any]]
_TARGET = "AWSCognitoIdentityProviderService."


class CognitoApiError(Exception):
    """An error answer: `code` is Cognito's error type (NotAuthorizedException, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def secret_hash(secret: str, username: str, client_id: str) -> str:
    """SECRET_HASH = Base64(HMAC_SHA256(secret, username + client id)):
    https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash"""
    mac = hmac.new(secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


class CognitoApi:
    def __init__(self, endpoint: Endpoint, region: str) -> None:
        self._endpoint = endpoint
        self._host = f"cognito-idp.{region}.amazonaws.com"

    async def call(
        self, operation: str, body: dict[str, Any], claims: ClaimsEdit | None = None
    ) -> dict[str, Any]:
        data = json.dumps(body).encode()
        headers = {
            "host": self._host,
            "x-amz-target": _TARGET + operation,
            "content-type": "application/x-amz-json-1.1",
            "content-length": str(len(data)),
            "user-agent": "stratus-hosted-ui",
        }
        request = AwsRequest("POST", "/", "/", "", headers, data)
        token = REQUEST_CLAIMS_EDIT.set(claims) if claims is not None else None
        try:
            response = await self._endpoint(request)
        finally:
            if token is not None:
                REQUEST_CLAIMS_EDIT.reset(token)
        raw = bytes(getattr(response, "body", b"") or b"{}")
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        if response.status_code >= 400:
            kind = str(answer.get("__type") or response.headers.get("x-amzn-errortype") or "")
            kind = kind.split("#")[-1].split(":")[0] or "InternalErrorException"
            message = str(answer.get("message") or answer.get("Message") or kind)
            raise CognitoApiError(kind, message)
        return answer if isinstance(answer, dict) else {}
