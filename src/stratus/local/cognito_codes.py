"""Confirmation codes for Cognito sign-up, checked as Cognito checks them.

moto confirms any code (measured: it only compares codes it generated with a magic
prefix), so a wrong code would pass locally and fail on AWS. This interceptor issues a
6-digit code on SignUp / ResendConfirmationCode, "sends" it by appending to an outbox file
and printing it on the `stratus up` console, and rejects ConfirmSignUp with Cognito's
CodeMismatchException / ExpiredCodeException when the code is wrong or older than 24 h.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.responses import JSONResponse, Response

from stratus.local.aws_request import AwsRequest

log = logging.getLogger("stratus.cognito")

_PREFIX = "AWSCognitoIdentityProviderService."
CODE_LIFETIME_SECONDS = 24 * 3600  # Cognito: confirmation codes are valid for 24 hours


def _error(code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"__type": code, "message": message},
        status_code=400,
        headers={"x-amzn-ErrorType": f"{code}:"},
        media_type="application/x-amz-json-1.1",
    )


class ConfirmationCodes:
    """AwsInterceptor for SignUp, ResendConfirmationCode and ConfirmSignUp."""

    def __init__(
        self,
        outbox: Path,
        forward: Callable[[AwsRequest], Awaitable[Response]],
        *,
        clock: Callable[[], float] = time.time,
        announce: Callable[[str, str], None] | None = None,
    ) -> None:
        self._outbox = outbox
        self._forward = forward
        self._clock = clock
        self._announce = announce
        self._lock = threading.Lock()

    async def __call__(self, request: AwsRequest) -> Response | None:
        target = request.target or ""
        if not target.startswith(_PREFIX):
            return None
        operation = target[len(_PREFIX) :]
        if operation not in ("SignUp", "ResendConfirmationCode", "ConfirmSignUp"):
            return None
        try:
            body: dict[str, Any] = json.loads(request.body or b"{}")
        except ValueError:
            return None  # moto answers malformed JSON with its own error
        client_id = str(body.get("ClientId", ""))
        username = str(body.get("Username", "")).strip().lower()
        if operation == "ConfirmSignUp":
            problem = self._check(client_id, username, str(body.get("ConfirmationCode", "")))
            if problem is not None:
                return problem
            return None  # moto marks the user confirmed
        response = await self._forward(request)
        if response.status_code == 200:
            self._issue(client_id, username)
        return response

    def latest_code(self, username: str, client_id: str | None = None) -> str | None:
        """The newest code sent to `username` (tests and the CLI's hint use it)."""
        for entry in reversed(self._entries()):
            if entry["username"] == username.lower() and client_id in (None, entry["client_id"]):
                return str(entry["code"])
        return None

    def _issue(self, client_id: str, username: str) -> None:
        code = f"{secrets.randbelow(10**6):06d}"
        entry = {
            "client_id": client_id,
            "username": username,
            "code": code,
            "sent_at": self._clock(),
        }
        with self._lock:
            self._outbox.parent.mkdir(parents=True, exist_ok=True)
            with self._outbox.open("a") as out:
                out.write(json.dumps(entry) + "\n")
        self._outbox.chmod(0o600)
        if self._announce is not None:
            self._announce(username, code)
        log.info("confirmation code for %s: %s", username, code)

    def _check(self, client_id: str, username: str, code: str) -> Response | None:
        for entry in reversed(self._entries()):
            if entry["username"] != username or entry["client_id"] != client_id:
                continue
            if not secrets.compare_digest(str(entry["code"]), code.strip()):
                return _error(
                    "CodeMismatchException", "Invalid verification code provided, please try again."
                )
            if self._clock() - float(entry["sent_at"]) > CODE_LIFETIME_SECONDS:
                return _error(
                    "ExpiredCodeException", "Invalid code provided, please request a code again."
                )
            return None
        # No code was ever sent to this user through this client (e.g. an admin-created user):
        # let moto answer, which reports unknown users and already-confirmed users as Cognito does.
        return None

    def _entries(self) -> list[dict[str, Any]]:
        if not self._outbox.exists():
            return []
        with self._lock:
            lines = self._outbox.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]
