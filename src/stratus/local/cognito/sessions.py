"""Cognito sessions: one per refresh token -- its lifetime, rotation and revocation.

moto issues a refresh token as a bare uuid valid forever, every token for an hour with
`auth_time` = now, and forgets nothing on sign-out but the tokens it hands out. Cognito
(https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html,
https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html):
- a refresh token lives RefreshTokenValidity (default 30 days) from sign-in; access and ID
  tokens AccessTokenValidity / IdTokenValidity (default 1 hour), units per
  TokenValidityUnits (API_CreateUserPoolClient.html);
- tokens refreshed from it keep the sign-in's `auth_time` and its `origin_jti`;
- with RefreshTokenRotation ENABLED, GetTokensFromRefreshToken hands out a new refresh
  token (a fresh validity: a sliding window) and the old one works RetryGracePeriodSeconds
  more (API_RefreshTokenRotationType.html);
- RevokeToken ends one session (its refresh token, and every access/ID token carrying its
  `origin_jti`); GlobalSignOut, AdminUserGlobalSignOut and deleting the user end them all.

So each pool (moto's object) keeps `stratus_sessions`, origin_jti -> `Session`. It is
written only inside journaled moto requests (`tokens` records a session when moto makes a
refresh token) or through the journaled operations below, so a restart replays it and
snapshots pickle it with the pool. Times written come from the request's own clock
(`issue_time`: the journal's frozen instant plus the cloud clock's offset, recorded as a
side input), never from a live read on replay.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from stratus.local.cognito import pools
from stratus.local.core import determinism
from stratus.local.core.clock import CloudClock
from stratus.local.core.durable import mutate, operation

ATTRIBUTE = "stratus_sessions"
# Set by a journaled operation that issues tokens with a time passed in (its argument).
ISSUE_AT: ContextVar[float | None] = ContextVar("stratus_cognito_issue_at", default=None)
_OFFSET_INPUT = "cognito.clock-offset"
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# (default value, default unit) per token kind, API_CreateUserPoolClient.html.
_DEFAULTS = {"AccessToken": (1, "hours"), "IdToken": (1, "hours"), "RefreshToken": (30, "days")}

_clock: CloudClock | None = None


def install_clock(clock: CloudClock | None) -> None:
    """The cloud clock whose offset token issuing adds (None: the wall clock)."""
    global _clock
    _clock = clock


def now() -> float:
    """The cloud clock, live (checks made before a request reaches moto)."""
    return _clock.now() if _clock is not None else time.time()


def issue_time() -> float:
    """When a token being issued right now (inside moto's request) is issued."""
    at = ISSUE_AT.get()
    if at is not None:
        return at
    ctx = determinism.current()
    base = ctx.clock if ctx is not None else time.time()
    offset = determinism.side_input(_OFFSET_INPUT, lambda: 0.0 if _clock is None else _clock.offset)
    return base + float(offset or 0.0)


@dataclass
class Session:
    origin_jti: str
    client_id: str
    username: str
    auth_time: int
    expires_at: float  # the refresh token's end
    revoked_at: float | None = None
    rotated_until: float | None = None  # rotated out: the token works until then

    def revoked(self) -> bool:
        return self.revoked_at is not None


def sessions_of(pool: Any) -> dict[str, Session]:
    store: dict[str, Session] | None = pool.__dict__.get(ATTRIBUTE)
    return store if store is not None else {}


def _store(pool: Any) -> dict[str, Session]:
    store: dict[str, Session] = pool.__dict__.setdefault(ATTRIBUTE, {})
    return store


# Client settings ---------------------------------------------------------------------
def client_config(pool: Any, client_id: str) -> dict[str, Any]:
    client = pool.clients.get(client_id)
    return dict(client.extended_config) if client is not None else {}


def validity_seconds(config: dict[str, Any], kind: str) -> int:
    """`kind` ('AccessToken', 'IdToken', 'RefreshToken') validity of a client, in seconds."""
    default_value, default_unit = _DEFAULTS[kind]
    value = config.get(f"{kind}Validity")
    units = config.get("TokenValidityUnits") or {}
    unit = str(units.get(kind) or default_unit) if isinstance(units, dict) else default_unit
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        value, unit = default_value, default_unit  # Cognito: 0 means the default
    return int(value * _UNIT_SECONDS.get(unit, _UNIT_SECONDS[default_unit]))


def rotation(config: dict[str, Any]) -> int | None:
    """The grace period in seconds when the client rotates refresh tokens, else None."""
    setting = config.get("RefreshTokenRotation") or {}
    if not isinstance(setting, dict) or setting.get("Feature") != "ENABLED":
        return None
    grace = setting.get("RetryGracePeriodSeconds") or 0
    return max(0, min(60, int(grace)))


def revocation_enabled(config: dict[str, Any]) -> bool:
    return bool(config.get("EnableTokenRevocation", True))


# Written inside moto's requests (tokens.py) ---------------------------------------------
def record(pool: Any, client_id: str, username: str, origin_jti: str) -> Session:
    """A refresh token was just made (inside a journaled moto request)."""
    issued = issue_time()
    config = client_config(pool, client_id)
    session = Session(
        origin_jti=origin_jti,
        client_id=client_id,
        username=username,
        auth_time=int(issued),
        expires_at=issued + validity_seconds(config, "RefreshToken"),
    )
    _store(pool)[origin_jti] = session
    return session


# Reads ----------------------------------------------------------------------------------
def by_refresh_token(pool: Any, token: str) -> tuple[Session | None, bool]:
    """(the session of `token`, whether moto knows the token at all)."""
    if token not in pool.refresh_tokens:
        return None, False
    entry = pool.refresh_tokens[token]
    if entry is None:
        return None, True  # moto's own sign-out: revoked
    return sessions_of(pool).get(entry[2]), True


def is_revoked(pool_id: str, origin_jti: str) -> bool:
    """Whether the session a token was issued from has ended (RevokeToken, sign-out...)."""
    pool = pools.pool_by_id(pool_id)
    if pool is None:
        return False
    session = sessions_of(pool).get(origin_jti)
    return session is not None and session.revoked()


def user_sessions(pool: Any, username: str) -> list[str]:
    return [jti for jti, s in sessions_of(pool).items() if s.username == username]


# Journaled changes ---------------------------------------------------------------------
def revoke(pool_id: str, origin_jtis: Iterable[str], at: float) -> None:
    mutate("cognito.revoke-sessions", pool_id=pool_id, origin_jtis=list(origin_jtis), at=at)


@operation("cognito.revoke-sessions", services=("cognito-idp",))
def _revoke(pool_id: str, origin_jtis: list[str], at: float) -> None:
    pool = pools.pool_by_id(pool_id)
    if pool is None:
        return
    wanted = set(origin_jtis)
    for jti in wanted:
        session = sessions_of(pool).get(jti)
        if session is not None and session.revoked_at is None:
            session.revoked_at = at
    for token, entry in list(pool.refresh_tokens.items()):
        if entry is not None and entry[2] in wanted:
            pool.refresh_tokens[token] = None  # moto refuses it too


def rotate(pool_id: str, refresh_token: str, at: float, grace: int) -> str | None:
    """A new refresh token for the session of `refresh_token` (which then works `grace` s)."""
    result: str | None = mutate(
        "cognito.rotate-refresh-token",
        pool_id=pool_id,
        refresh_token=refresh_token,
        at=at,
        grace=grace,
    )
    return result


@operation("cognito.rotate-refresh-token", services=("cognito-idp",))
def _rotate(pool_id: str, refresh_token: str, at: float, grace: int) -> str | None:
    pool = pools.pool_by_id(pool_id)
    entry = None if pool is None else pool.refresh_tokens.get(refresh_token)
    if pool is None or entry is None:
        return None
    client_id, username, origin_jti = entry
    old = sessions_of(pool).get(origin_jti)
    token = ISSUE_AT.set(at)
    try:
        new_token, new_jti = pool.create_refresh_token(client_id, username)
    finally:
        ISSUE_AT.reset(token)
    new = sessions_of(pool).get(new_jti)
    if old is not None:
        if new is not None:
            new.auth_time = old.auth_time  # the sign-in the chain started from
        if old.rotated_until is None:
            old.rotated_until = at + grace
    return str(new_token)


def sign_out(pool_id: str, username: str, at: float) -> None:
    mutate("cognito.sign-out", pool_id=pool_id, username=username, at=at)


@operation("cognito.sign-out", services=("cognito-idp",))
def _sign_out(pool_id: str, username: str, at: float) -> None:
    """GlobalSignOut: every session of the user ends, and moto forgets its tokens."""
    pool = pools.pool_by_id(pool_id)
    if pool is None:
        return
    _revoke(pool_id, user_sessions(pool, username), at)
    pool.sign_out(username)


def delete_user(pool_id: str, username: str, at: float) -> None:
    mutate("cognito.delete-user", pool_id=pool_id, username=username, at=at)


@operation("cognito.delete-user", services=("cognito-idp",))
def _delete_user(pool_id: str, username: str, at: float) -> None:
    """DeleteUser (moto lacks it): the user's sessions end, then the user is removed."""
    pool = pools.pool_by_id(pool_id)
    if pool is None:
        return
    _revoke(pool_id, user_sessions(pool, username), at)
    pool.sign_out(username)
    pool.backend.admin_delete_user(pool_id, username)
