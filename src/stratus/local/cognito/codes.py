"""Confirmation codes for Cognito sign-up and password reset, checked as Cognito checks them.

moto confirms any code (measured: it only compares codes it generated with a magic
prefix), so a wrong code would pass locally and fail on AWS. Cognito's hooks
(`cognito.flows`) issue a 6-digit code on SignUp / ResendConfirmationCode / ForgotPassword,
"send" it by appending it (and the message a custom message trigger wrote for it) to an
outbox file and printing it on the `stratus up` console, and reject ConfirmSignUp /
ConfirmForgotPassword with Cognito's CodeMismatchException / ExpiredCodeException when the
code is wrong or older than 24 h.

Also as Cognito: a code works once; a password-reset confirmation with no code ever sent
is a CodeMismatchException (moto would take any code); after `MAX_WRONG_ATTEMPTS` wrong
codes, or when a user asks for more than `MAX_CODES_PER_HOUR` codes of one kind in an hour,
LimitExceededException "Attempt limit exceeded, please try after some time." Cognito
publishes no exact numbers for these two limits
(https://docs.aws.amazon.com/cognito/latest/developerguide/limits.html lists them as
per-user throttles); the numbers here are this emulator's, named once below. Which codes
were used and the wrong-attempt counts are kept in memory (a restart forgets them).
Expiry reads the injected clock (the cloud clock tests can move, `core.clock`).
"""

from __future__ import annotations

import json
import logging
import os
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
MAX_WRONG_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 5
LIMIT_MESSAGE = "Attempt limit exceeded, please try after some time."


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


# The outbox's file name in the state directory (one JSON object per line; the console's
# inbox page reads its end).
OUTBOX_FILE = "outbox.jsonl"


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
        # (username, purpose, sent_at) of codes used / wrong answers per code
        self._used: set[tuple[str, str, float]] = set()
        self._wrong: dict[tuple[str, str, float], int] = {}

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
                out.flush()
                os.fsync(out.fileno())  # on disk before SignUp is answered
        self._outbox.chmod(0o600)
        if self._announce is not None:
            self._announce(username, code)
        log.info("confirmation code for %s: %s", username, code)
        return code

    def limit_reached(self, username: str, purpose: str) -> Response | None:
        """LimitExceededException when `username` had MAX_CODES_PER_HOUR codes of `purpose`."""
        username = username.strip().lower()
        since = self._clock() - 3600
        sent = [
            e
            for e in self._entries()
            if e["username"] == username
            and e.get("purpose", SIGN_UP) == purpose
            and float(e["sent_at"]) > since
        ]
        return (
            _error("LimitExceededException", LIMIT_MESSAGE)
            if len(sent) >= MAX_CODES_PER_HOUR
            else None
        )

    def check(
        self, client_id: str, username: str, code: str, *, purpose: str = SIGN_UP
    ) -> Response | None:
        """Cognito's error for a wrong, used or expired code; None when it may go on to moto."""
        username = username.strip().lower()
        for entry in reversed(self._entries()):
            if entry["username"] != username or entry["client_id"] != client_id:
                continue
            if entry.get("purpose", SIGN_UP) != purpose:
                continue
            key = (username, purpose, float(entry["sent_at"]))
            if self._wrong.get(key, 0) >= MAX_WRONG_ATTEMPTS:
                return _error("LimitExceededException", LIMIT_MESSAGE)
            if key in self._used or not secrets.compare_digest(str(entry["code"]), code.strip()):
                with self._lock:
                    self._wrong[key] = self._wrong.get(key, 0) + 1
                return _error(
                    "CodeMismatchException", "Invalid verification code provided, please try again."
                )
            if self._clock() - float(entry["sent_at"]) > CODE_LIFETIME_SECONDS:
                return _error(
                    "ExpiredCodeException", "Invalid code provided, please request a code again."
                )
            return None
        if purpose == FORGOT_PASSWORD:
            # A reset with no code ever sent: Cognito cannot match any code.
            return _error(
                "CodeMismatchException", "Invalid verification code provided, please try again."
            )
        # No sign-up code was ever sent to this user through this client (e.g. an
        # admin-created user): let moto answer, which reports unknown users and
        # already-confirmed users as Cognito does.
        return None

    def consume(self, client_id: str, username: str, purpose: str) -> None:
        """The newest code of `purpose` was used: it will not work again."""
        username = username.strip().lower()
        for entry in reversed(self._entries()):
            if (
                entry["username"] == username
                and entry["client_id"] == client_id
                and entry.get("purpose", SIGN_UP) == purpose
            ):
                with self._lock:
                    self._used.add((username, purpose, float(entry["sent_at"])))
                return

    def _entries(self) -> list[dict[str, Any]]:
        if not self._outbox.exists():
            return []
        with self._lock:
            lines = [line for line in self._outbox.read_text().splitlines() if line.strip()]
        entries = []
        for index, line in enumerate(lines):
            try:
                entries.append(json.loads(line))
            except ValueError:
                if index != len(lines) - 1:
                    raise
                # The last line cut short by a crash: its SignUp was never answered.
        return entries
