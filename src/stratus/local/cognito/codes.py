"""Confirmation codes for Cognito sign-up and password reset, checked as Cognito checks them.

moto confirms any code (measured: it only compares codes it generated with a magic
prefix), so a wrong code would pass locally and fail on AWS. Cognito's hooks
(`cognito.flows`) issue a 6-digit code on SignUp / ResendConfirmationCode / ForgotPassword,
"send" it by appending it (and the message a custom message trigger wrote for it) to an
outbox file and printing it on the `stratus up` console, and reject ConfirmSignUp /
ConfirmForgotPassword with Cognito's CodeMismatchException / ExpiredCodeException when the
code is wrong or older than 24 h.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.responses import Response

from stratus.local.core.errors import aws_error

log = logging.getLogger("stratus.cognito")

SIGN_UP = "signup"
FORGOT_PASSWORD = "forgot-password"
CODE_PARAMETER = "{####}"  # where Cognito puts the code in a message
CODE_LIFETIME_SECONDS = 24 * 3600  # Cognito: confirmation codes are valid for 24 hours


def _error(code: str, message: str) -> Response:
    return aws_error("json", code, message, 400)


@dataclass(frozen=True)
class Message:
    """What is sent with a code; each text has CODE_PARAMETER where the code goes."""

    email_subject: str | None = None
    email_message: str | None = None
    sms_message: str | None = None

    def with_code(self, code: str) -> dict[str, str]:
        texts = {
            "email_subject": self.email_subject,
            "email_message": self.email_message,
            "sms_message": self.sms_message,
        }
        return {k: v.replace(CODE_PARAMETER, code) for k, v in texts.items() if v is not None}


class ConfirmationCodes:
    """Issues and checks the codes for sign-up confirmation and password reset."""

    def __init__(
        self,
        outbox: Path,
        *,
        clock: Callable[[], float] = time.time,
        announce: Callable[[str, str], None] | None = None,
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self._announce = announce
        self._lock = threading.Lock()

    def latest_code(
        self, username: str, client_id: str | None = None, purpose: str | None = None
    ) -> str | None:
        """The newest code sent to `username` (tests and the CLI's hint use it)."""
        for entry in reversed(self._entries()):
            if (
                entry["username"] == username.lower()
                and client_id in (None, entry["client_id"])
                and purpose in (None, entry.get("purpose", SIGN_UP))
            ):
                return str(entry["code"])
        return None

    def latest_entry(self, username: str) -> dict[str, Any] | None:
        """The newest outbox entry for `username` (code, purpose and message sent)."""
        for entry in reversed(self._entries()):
            if entry["username"] == username.lower():
                return entry
        return None

    def issue(
        self,
        client_id: str,
        username: str,
        *,
        purpose: str = SIGN_UP,
        message: Message | None = None,
    ) -> str:
        """Make a code, "send" it (outbox file and console) and return it."""
        username = username.strip().lower()
        code = f"{secrets.randbelow(10**6):06d}"
        entry: dict[str, Any] = {
            "client_id": client_id,
            "username": username,
            "code": code,
            "sent_at": self._clock(),
            "purpose": purpose,
        }
        if message is not None:
            entry.update(message.with_code(code))
        with self._lock:
            self._outbox.parent.mkdir(parents=True, exist_ok=True)
            with self._outbox.open("a") as out:
                out.write(json.dumps(entry) + "\n")
        self._outbox.chmod(0o600)
        if self._announce is not None:
            self._announce(username, code)
        log.info("confirmation code for %s: %s", username, code)
        return code

    def check(
        self, client_id: str, username: str, code: str, *, purpose: str = SIGN_UP
    ) -> Response | None:
        """Cognito's error for a wrong or expired code; None when it may go on to moto."""
        username = username.strip().lower()
        for entry in reversed(self._entries()):
            if entry["username"] != username or entry["client_id"] != client_id:
                continue
            if entry.get("purpose", SIGN_UP) != purpose:
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
