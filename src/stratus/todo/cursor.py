"""Opaque, user-bound pagination cursors.

A cursor is `base64url(json(position)) "." base64url(HMAC-SHA256(key, kind | sub | payload))`.
Binding the MAC to the caller's `sub` makes a cursor useless to anyone else (another user's
cursor fails verification exactly like a tampered one: 400 naming `cursor`), and `kind`
keeps a files cursor from being replayed against /todos. The position is not secret (it is
the caller's own to-do key or S3 continuation token), only unforgeable.

The key comes from Secrets Manager and is read once per container, lazily, because most
requests (single-item reads and writes) never touch a cursor.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from typing import Any

from stratus.runtime.errors import ValidationError

MAX_CURSOR_CHARS = 4096


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, key: Callable[[], bytes]) -> None:
        self._key_source = key
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def _secret(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._key_source()
        return self._key

    def _mac(self, kind: str, sub: str, payload: str) -> str:
        message = f"{kind}\n{sub}\n{payload}".encode()
        return _b64(hmac.new(self._secret(), message, hashlib.sha256).digest())

    def encode(self, kind: str, sub: str, position: dict[str, Any]) -> str:
        payload = _b64(json.dumps(position, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{self._mac(kind, sub, payload)}"

    def decode(self, kind: str, sub: str, cursor: str) -> dict[str, Any]:
        """The position, or ValidationError(field="cursor") for anything not minted for `sub`."""
        invalid = ValidationError("cursor is invalid or belongs to another request", field="cursor")
        if len(cursor) > MAX_CURSOR_CHARS or cursor.count(".") != 1:
            raise invalid
        payload, mac = cursor.split(".")
        expected = self._mac(kind, sub, payload).encode()
        if not hmac.compare_digest(mac.encode("utf-8", "surrogatepass"), expected):
            raise invalid
        try:
            position = json.loads(_unb64(payload))
        except (binascii.Error, ValueError):
            raise invalid from None
        if not isinstance(position, dict):
            raise invalid
        return position


def secret_key_from_secrets_manager(client: Any, secret_arn: str) -> Callable[[], bytes]:
    """A key source reading `SecretString` (or `SecretBinary`) of `secret_arn` when first used."""

    def load() -> bytes:
        value = client.get_secret_value(SecretId=secret_arn)
        secret = value.get("SecretString")
        raw = secret.encode() if secret else bytes(value.get("SecretBinary") or b"")
        if len(raw) < 16:
            raise RuntimeError("cursor secret is missing or shorter than 16 bytes")
        return raw

    return load
