"""Page tokens for the console's URLs: a JSON value as URL-safe base64, and a trail of the
tokens of earlier pages so a "previous" link needs no server-side state.

Why hand-written: a token is a dozen lines of `base64` + `json`; what matters is that the way
back is strict (bounded size, alphabet, shape), so a forged or truncated token is a 400 page,
never a 500. AWS's own paging tokens (S3's ContinuationToken, CloudWatch's NextToken) are
opaque strings: they go through `opaque`, which bounds them and passes them on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from typing import Any

MAX_TOKEN = 2048  # characters of one token
MAX_TRAIL = 20  # earlier pages a "previous" link can walk back through
MAX_TRAIL_CHARS = 16_384
_URLSAFE = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")
_OPAQUE = re.compile(r"^[\x21-\x7e]*$")  # printable ASCII, no spaces
_KEY = secrets.token_bytes(32)  # seals tokens for this run of the cloud only


class TokenError(ValueError):
    """A token the console did not issue (malformed, oversized or of the wrong shape)."""


def encode(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str) -> Any:
    """The JSON value of a token from `encode`; TokenError for anything else."""
    if len(token) > MAX_TOKEN or not _URLSAFE.match(token):
        raise TokenError("The page token is malformed")
    padded = token.rstrip("=") + "=" * (-len(token.rstrip("=")) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode())
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise TokenError("The page token is malformed") from None


def opaque(token: str | None) -> str | None:
    """An AWS paging token from a URL, bounded and printable; None when absent."""
    if not token:
        return None
    if len(token) > MAX_TOKEN or not _OPAQUE.match(token):
        raise TokenError("The page token is malformed")
    return token


def split_trail(text: str | None) -> list[str]:
    """The tokens of the pages after the first and before this one, from `trail=`
    (dot-separated)."""
    if not text:
        return []
    if len(text) > MAX_TRAIL_CHARS:
        raise TokenError("The page trail is too long")
    parts = text.split(".")
    for part in parts:
        if len(part) > MAX_TOKEN or not _URLSAFE.match(part):
            raise TokenError("The page trail is malformed")
    return parts[-MAX_TRAIL:]


def join_trail(parts: list[str]) -> str:
    return ".".join(parts[-MAX_TRAIL:])


def _mac(value: str) -> str:
    return hmac.new(_KEY, value.encode(), hashlib.sha256).hexdigest()[:32]


def seal(token: str) -> str:
    """An AWS paging token as a URL-safe token only this console run can open."""
    return encode([token, _mac(token)]) if token else ""


def unseal(token: str) -> str:
    """The AWS token inside `seal`'s output ("" for the first page); TokenError for a
    token this console did not seal (forged, altered, or from before a restart)."""
    if not token:
        return ""
    value = decode(token)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise TokenError("The page token is malformed")
    if not hmac.compare_digest(value[1], _mac(value[0])):
        raise TokenError("The page token was not issued by this console (or the cloud restarted)")
    return value[0]


class Pager:
    """The current page's token and the trail that led to it: the links to the next and the
    previous page. `current` is "" on the first page."""

    def __init__(self, current: str, trail: list[str]) -> None:
        self.current = current
        self.trail = trail

    @classmethod
    def from_query(cls, page: str | None, trail: str | None) -> Pager:
        current = page or ""
        if len(current) > MAX_TOKEN or not _URLSAFE.match(current):
            raise TokenError("The page token is malformed")
        return cls(current, split_trail(trail))

    def next(self, token: str) -> dict[str, str]:
        """Query values of the page after this one (token: that page's start). The trail
        holds the tokens of the pages between the first and this one."""
        earlier = [*self.trail, self.current] if self.current else []
        return {"page": token, "trail": join_trail(earlier)}

    def previous(self) -> dict[str, str] | None:
        if not self.current:
            return None
        if not self.trail:
            return {}
        return {"page": self.trail[-1], "trail": join_trail(self.trail[:-1])}

    @property
    def number(self) -> int:
        """1 on the first page (as far as the trail remembers)."""
        return len(self.trail) + 2 if self.current else 1
