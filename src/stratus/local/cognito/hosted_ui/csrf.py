"""CSRF protection for the hosted UI's forms (Cognito's pages use an `XSRF-TOKEN` cookie and
a `_csrf` form field the same way).

A random cookie value is set with the page; the form carries HMAC(server key, cookie). A
POST passes only when the cookie is present and the field is its MAC: another site can make
a browser send the cookie, but cannot read it or compute the field, and a cookie planted by
a sibling host still lacks the server key. hmac.compare_digest keeps the check constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "XSRF-TOKEN"


class Csrf:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(24)

    def field_for(self, cookie: str) -> str:
        return hmac.new(self._key, cookie.encode(), hashlib.sha256).hexdigest()

    def valid(self, cookie: str | None, field: str | None) -> bool:
        if not cookie or not field:
            return False
        return hmac.compare_digest(self.field_for(cookie), field)
