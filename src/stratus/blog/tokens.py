"""Signed, expiring tokens: subscription links and the opaque pagination cursors.

A token is `base64url(json(claims)) "." base64url(HMAC-SHA256(key, purpose "\n" payload))`
with claims `{"s": subject, "x": expiry (unix seconds), ...}`. The purpose is in the MAC, not
in the payload, so a confirm token cannot be replayed as an unsubscribe token (or a cursor of
`/api/posts?lang=en` against `?tag=x`): it simply fails verification, exactly like a forged
or truncated one. The key is the HMAC secret in Secrets Manager, read once per container,
lazily (most requests never touch a token).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from stratus.runtime.errors import StratusError, ValidationError

MAX_TOKEN_CHARS = 2048
CONFIRM = "subscription-confirm"
UNSUBSCRIBE = "subscription-unsubscribe"
CONFIRM_TTL_SECONDS = 7 * 24 * 3600
# Unsubscribe links live in every mail; they expire, but only long after a mail is read.
UNSUBSCRIBE_TTL_SECONDS = 365 * 24 * 3600
CURSOR_TTL_SECONDS = 24 * 3600


class InvalidTokenError(StratusError):
    """A token that is malformed, forged, for another purpose, or expired (400)."""

    status = 400
    code = "InvalidToken"


class ExpiredTokenError(InvalidTokenError):
    code = "ExpiredToken"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, key: Callable[[], bytes], clock: Callable[[], datetime]) -> None:
        self._key_source = key
        self._key: bytes | None = None
        self._lock = threading.Lock()
        self._clock = clock

    def _secret(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._key_source()
        return self._key

    def _mac(self, purpose: str, payload: str) -> str:
        message = f"{purpose}\n{payload}".encode()
        return _b64(hmac.new(self._secret(), message, hashlib.sha256).digest())

    def sign(self, purpose: str, subject: str, ttl_seconds: int, **extra: Any) -> str:
        expiry = int(self._clock().timestamp()) + ttl_seconds
        claims = {"s": subject, "x": expiry, **extra}
        payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{self._mac(purpose, payload)}"

    def verify(self, purpose: str, token: str) -> dict[str, Any]:
        """The claims, or InvalidTokenError / ExpiredTokenError (both 400)."""
        invalid = InvalidTokenError("token is invalid", details={"field": "token"})
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
            raise invalid
        if not token.isascii():  # base64url and a dot only; also keeps surrogates out
            raise invalid
        payload, mac = token.split(".")
        expected = self._mac(purpose, payload).encode()
        if not hmac.compare_digest(mac.encode("ascii"), expected):
            raise invalid
        try:
            claims = json.loads(_unb64(payload))
        except (binascii.Error, ValueError):
            raise invalid from None
        if not isinstance(claims, dict) or not isinstance(claims.get("x"), int):
            raise invalid
        if claims["x"] < self._clock().timestamp():
            raise ExpiredTokenError("token has expired", details={"field": "token"})
        return claims


class Cursors:
    """Opaque cursors over DynamoDB's LastEvaluatedKey, bound to the listing they page."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def encode(self, listing: str, last_key: dict[str, Any]) -> str:
        return self._signer.sign(f"cursor\n{listing}", "", CURSOR_TTL_SECONDS, k=last_key)

    def decode(self, listing: str, cursor: str) -> dict[str, Any]:
        try:
            claims = self._signer.verify(f"cursor\n{listing}", cursor)
        except InvalidTokenError:
            raise ValidationError(
                "cursor is invalid, expired or belongs to another listing", field="cursor"
            ) from None
        key = claims.get("k")
        if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
            raise ValidationError("cursor is invalid", field="cursor")
        return key


def secret_key_from_secrets_manager(client: Any, secret_arn: str) -> Callable[[], bytes]:
    """A key source reading `SecretString` (or `SecretBinary`) of `secret_arn` when first used."""

    def load() -> bytes:
        value = client.get_secret_value(SecretId=secret_arn)
        secret = value.get("SecretString")
        raw = secret.encode() if secret else bytes(value.get("SecretBinary") or b"")
        if len(raw) < 16:
            raise RuntimeError("token secret is missing or shorter than 16 bytes")
        return raw

    return load
