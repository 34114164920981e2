"""The sessions of a sign-in in progress: who is signing in, which answer is due, until when.

Each challenge Cognito answers carries a new opaque `Session`, valid for the app client's
`AuthSessionValidity` minutes (3 by default, 3-15); an expired one is refused with
NotAuthorizedException "Invalid session for the user, session is expired."
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html#CognitoUserPools-CreateUserPoolClient-request-AuthSessionValidity
They live in memory only: a session outlives no restart, on AWS nor here (a client then
starts its sign-in again), so nothing of them goes to the journal.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stratus.local.cognito.srp import ServerChallenge

DEFAULT_VALIDITY_MINUTES = 3
EXPIRED = "Invalid session for the user, session is expired."
INVALID = "Invalid session for the user."


@dataclass
class AuthState:
    """One sign-in: the user, the client and what it has proved so far."""

    pool_id: str
    client_id: str
    username: str  # the internal username (moto's key)
    typed: str  # USERNAME as the caller sent it (an alias, maybe)
    challenge: str = ""  # the ChallengeName whose answer is due
    user_missing: bool = False  # PreventUserExistenceErrors: a sign-in that must fail
    srp: ServerChallenge | None = None
    secret_block: str | None = None
    totp_secret: str | None = None  # MFA_SETUP: the secret AssociateSoftwareToken gave
    totp_verified: bool = False  # MFA_SETUP: VerifySoftwareToken accepted a code
    email_code: str | None = None  # EMAIL_OTP: the code sent
    mfa_choices: list[str] = field(default_factory=list)  # SELECT_MFA_TYPE: what may be chosen
    custom: list[dict[str, Any]] = field(default_factory=list)  # CUSTOM_AUTH session
    private: dict[str, Any] = field(default_factory=dict)  # privateChallengeParameters
    challenge_metadata: str | None = None
    validity_s: float = DEFAULT_VALIDITY_MINUTES * 60


class AuthSessions:
    """Session token -> (state, issued at); secret block -> session token."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[AuthState, float]] = {}
        self._blocks: dict[str, str] = {}

    def issue(self, state: AuthState) -> str:
        """A new session for `state` (the previous ones of the same sign-in stay until
        they expire, as a client may retry a step)."""
        token = secrets.token_urlsafe(96)
        now = self.clock()
        with self._lock:
            self._sessions[token] = (state, now)
            self._forget_expired(now)
        return token

    def bind_block(self, token: str, block: str) -> None:
        with self._lock:
            self._blocks[block] = token

    def by_block(self, block: str) -> str | None:
        with self._lock:
            return self._blocks.get(block)

    def find(self, token: str | None) -> tuple[AuthState | None, str | None]:
        """(state, None) or (None, the NotAuthorizedException message)."""
        with self._lock:
            found = self._sessions.get(token or "")
        if found is None:
            return None, INVALID
        state, issued = found
        if self.clock() - issued > state.validity_s:
            return None, EXPIRED
        return state, None

    def end(self, state: AuthState) -> None:
        """The sign-in finished (tokens issued or refused for good): its sessions go."""
        with self._lock:
            dead = [t for t, (s, _) in self._sessions.items() if s is state]
            for token in dead:
                del self._sessions[token]
            self._blocks = {b: t for b, t in self._blocks.items() if t not in dead}

    def _forget_expired(self, now: float) -> None:
        # Kept a while past validity so an expired one is named as such, not as unknown.
        dead = [t for t, (s, at) in self._sessions.items() if now - at > s.validity_s + 3600]
        for token in dead:
            del self._sessions[token]
        if dead:
            self._blocks = {b: t for b, t in self._blocks.items() if t in self._sessions}
