"""`stratus todo login --browser`: sign in through the user pool's hosted UI.

The OAuth 2.0 authorization code flow for a native app (RFC 8252): the CLI opens the hosted
UI's authorize URL in the browser with a PKCE S256 challenge, listens on a loopback
redirect for the code, checks `state`, and exchanges the code (with the verifier) at the
token endpoint. Cognito compares callback URLs exactly and allows plain http only for
`localhost`, so the redirect is the fixed `http://localhost:8976/callback` the to-do stage
registers (`infra/todo/stage.py` CLI_CALLBACK_URL). The standard library's http.server is
enough for one request; the browser opener and the token exchange are injected for tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import threading
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from stratus.cli.todo.auth import AuthError
from stratus.cli.todo.tokens import Tokens

CALLBACK_PORT = 8976
CALLBACK_URL = f"http://localhost:{CALLBACK_PORT}/callback"
WAIT_SECONDS = 300.0
SCOPES = "openid email profile"
Exchange = Callable[[str, dict[str, str]], dict[str, Any]]


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _claims(jwt: str) -> dict[str, Any]:
    part = jwt.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data


class _Catcher(BaseHTTPRequestHandler):
    """Takes the one redirect: `/callback?code=...&state=...` (or `?error=...`)."""

    result: dict[str, str] | None = None
    done: threading.Event

    def do_GET(self) -> None:  # http.server calls it by this name
        parts = urlsplit(self.path)
        if parts.path != "/callback":
            self.send_error(404)
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        type(self).result = query
        ok = "code" in query
        body = (
            "<!doctype html><title>stratus</title><p>"
            + ("Signed in. You can close this window." if ok else "Sign-in failed.")
            + "</p>"
        ).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        type(self).done.set()

    def log_message(self, *args: Any) -> None:  # keep the terminal quiet
        return


def httpx_exchange(verify: str | bool) -> Exchange:
    """The token request over httpx; `verify`: a CA bundle path, or the system store."""
    context = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify

    def exchange(url: str, form: dict[str, str]) -> dict[str, Any]:
        response = httpx.post(url, data=form, verify=context, timeout=30)
        data: dict[str, Any] = response.json() if response.content else {}
        if response.status_code != 200:
            raise AuthError(f"token endpoint: {data.get('error', response.status_code)}")
        return data

    return exchange


def browser_login(
    hosted_ui_url: str,
    client_id: str,
    exchange: Exchange,
    *,
    clock: Callable[[], float],
    opener: Callable[[str], object] = webbrowser.open,
    announce: Callable[[str], None] = print,
    wait_seconds: float = WAIT_SECONDS,
    port: int = CALLBACK_PORT,
    scopes: str = SCOPES,
) -> Tokens:
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    redirect = f"http://localhost:{port}/callback"
    query = urlencode(
        {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": redirect,
            "scope": scopes,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    url = f"{hosted_ui_url.rstrip('/')}/oauth2/authorize?{query}"
    handler: type[_Catcher] = type(
        "Catcher", (_Catcher,), {"result": None, "done": threading.Event()}
    )
    try:
        server = HTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise AuthError(f"cannot listen on {redirect}: {exc}") from exc
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        announce(f"Opening the hosted UI in your browser; if it does not open, visit:\n{url}")
        opener(url)
        if not handler.done.wait(wait_seconds):
            raise AuthError("no answer from the browser in time; run the login again")
    finally:
        server.shutdown()
        server.server_close()
    result = handler.result or {}
    if "error" in result:
        raise AuthError(f"hosted UI: {result['error']}")
    if result.get("state") != state or not result.get("code"):
        raise AuthError("the redirect did not carry this login's state: refused")
    tokens = exchange(
        f"{hosted_ui_url.rstrip('/')}/oauth2/token",
        {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": result["code"],
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
    )
    claims = _claims(tokens["id_token"])
    return Tokens(
        email=str(claims.get("email") or claims.get("cognito:username") or ""),
        id_token=tokens["id_token"],
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        expires_at=clock() + float(tokens.get("expires_in", 3600)),
    )
