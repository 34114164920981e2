"""Who may use the console: the machine itself, and with `--lan` the local network; and
the form actions only from the console's own pages.

The console reads every table, bucket and mailbox of the account with root credentials, so
it answers only clients on a loopback address unless `stratus up --lan` was given (then the
LAN address is served on purpose, as the rest of the cloud is). Actions (redrive, purge,
invalidation) are POSTs that must carry this run's CSRF token, which only a console page
holds; a cross-site form can neither read nor guess it.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

from starlette.requests import Request

TOKEN_FIELD = "csrf"
TOKEN_HEADER = "x-console-csrf"


class ConsoleGuard:
    def __init__(self, *, lan: bool) -> None:
        self.lan = lan
        self.token = secrets.token_urlsafe(32)

    def client_allowed(self, request: Request) -> bool:
        if self.lan:
            return True
        host = request.client.host if request.client else ""
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    async def action_allowed(self, request: Request) -> bool:
        """A POST from a console page: its token in the form or the header, same origin."""
        site = request.headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return False
        sent = request.headers.get(TOKEN_HEADER)
        if sent is None:
            form = await request.form()
            value = form.get(TOKEN_FIELD)
            sent = value if isinstance(value, str) else None
        return sent is not None and hmac.compare_digest(sent.encode(), self.token.encode())
