"""Authorization codes, sign-in sessions and the scopes behind each refresh token.

Codes: single use, bound to the client, the redirect URI and the PKCE challenge, and valid
for five minutes ("the authorization code ... must be used within 5 minutes", re:Post
answer by AWS on the token endpoint; https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
lists `invalid_grant` for a code that is expired, used, or issued to another client). A code
that fails a check is spent all the same (RFC 6749 §10.5: codes are single-use; a replay
with the right verifier must not succeed after a wrong one was tried).

Sessions: the hosted UI's sign-in cookie (Cognito keeps one for an hour) lets a second
authorize request of the same client skip the password page.

Kept in memory: a restart signs hosted-UI sessions out and voids unredeemed codes, which a
client recovers from by signing in again. Refresh-token scopes are written to a small JSON
file so refreshed access tokens keep their OAuth scopes across restarts.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stratus.local.core.persistence import write_atomic

CODE_SECONDS = 300
SESSION_SECONDS = 3600


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    tokens: dict[str, Any]  # id_token, access_token, refresh_token, expires_in
    expires_at: float


@dataclass
class Session:
    pool_id: str
    client_id: str
    username: str
    refresh_token: str
    expires_at: float


class CodeRejectedError(Exception):
    """The code cannot be redeemed (expired, used, unknown, wrong client/URI/verifier)."""


@dataclass
class Grants:
    scopes_file: Path | None = None
    clock: Callable[[], float] = time.time
    _codes: dict[str, Grant] = field(default_factory=dict)
    _sessions: dict[str, Session] = field(default_factory=dict)
    _scopes: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.scopes_file is not None and self.scopes_file.is_file():
            try:
                data = json.loads(self.scopes_file.read_text())
                self._scopes = {str(k): list(v) for k, v in data.items()}
            except (ValueError, AttributeError):
                self._scopes = {}

    # -- codes ------------------------------------------------------------------------
    def issue_code(
        self, client_id: str, redirect_uri: str, challenge: str | None, tokens: dict[str, Any]
    ) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            now = self.clock()
            self._codes = {k: g for k, g in self._codes.items() if g.expires_at > now}
            self._codes[code] = Grant(
                client_id, redirect_uri, challenge, tokens, now + CODE_SECONDS
            )
        return code

    def redeem(
        self,
        code: str,
        client_id: str,
        redirect_uri: str,
        verifier_ok: Callable[[str | None], bool],
    ) -> Grant:
        with self._lock:
            grant = self._codes.pop(code, None)  # spent whatever happens next
        if grant is None or grant.expires_at <= self.clock():
            raise CodeRejectedError("unknown, used or expired code")
        if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
            raise CodeRejectedError("code issued to another client or redirect URI")
        if not verifier_ok(grant.code_challenge):
            raise CodeRejectedError("code_verifier does not match the code_challenge")
        return grant

    # -- sessions ---------------------------------------------------------------------
    def open_session(self, pool_id: str, client_id: str, username: str, refresh: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            now = self.clock()
            self._sessions = {k: s for k, s in self._sessions.items() if s.expires_at > now}
            self._sessions[sid] = Session(
                pool_id, client_id, username, refresh, now + SESSION_SECONDS
            )
        return sid

    def session(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            found = self._sessions.get(sid)
        return found if found is not None and found.expires_at > self.clock() else None

    def close_session(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._sessions.pop(sid, None)

    # -- refresh-token scopes -----------------------------------------------------------
    def remember_scopes(self, refresh_token: str, scopes: list[str]) -> None:
        with self._lock:
            self._scopes[refresh_token] = list(scopes)
            data = json.dumps(self._scopes).encode()
        if self.scopes_file is not None:
            write_atomic(self.scopes_file, data)

    def scopes_for(self, refresh_token: str) -> list[str] | None:
        with self._lock:
            found = self._scopes.get(refresh_token)
        return None if found is None else list(found)
