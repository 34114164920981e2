"""Test doubles for the CLI: a fake Cognito (boto3's method names), a clock, a stub API server."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from botocore.exceptions import ClientError

from stratus.cli.todo.commands import Deps
from stratus.cli.todo.tokens import Tokens, TokenStore


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeCognito:
    """Answers like cognito-idp for one user; counts refreshes; can be told to reject them."""

    def __init__(self, password: str = "Passw0rd!") -> None:
        self.password = password
        self.refreshes = 0
        self.refresh_fails = False
        self.confirmed: set[str] = set()

    @staticmethod
    def _error(code: str, message: str, op: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message}}, op)

    def sign_up(self, **kw: Any) -> dict[str, Any]:
        return {"UserConfirmed": False, "UserSub": "sub-1"}

    def confirm_sign_up(self, **kw: Any) -> dict[str, Any]:
        if kw["ConfirmationCode"] != "123456":
            raise self._error("CodeMismatchException", "Invalid code provided", "ConfirmSignUp")
        self.confirmed.add(kw["Username"])
        return {}

    def initiate_auth(self, **kw: Any) -> dict[str, Any]:
        params = kw["AuthParameters"]
        if kw["AuthFlow"] == "REFRESH_TOKEN_AUTH":
            if self.refresh_fails:
                raise self._error(
                    "NotAuthorizedException", "Refresh Token has expired", "InitiateAuth"
                )
            self.refreshes += 1
            n = self.refreshes
            return {
                "AuthenticationResult": {
                    "IdToken": f"id-{n}",
                    "AccessToken": f"acc-{n}",
                    "ExpiresIn": 3600,
                }
            }
        if params["PASSWORD"] != self.password:
            raise self._error(
                "NotAuthorizedException", "Incorrect username or password.", "InitiateAuth"
            )
        return {
            "AuthenticationResult": {
                "IdToken": "id-0",
                "AccessToken": "acc-0",
                "RefreshToken": "refresh-0",
                "ExpiresIn": 3600,
            }
        }


Reply = tuple[int, dict[str, str], Any]


@dataclass
class StubApi:
    """Routes `(METHOD, path)` to a reply (or a function of the request); records requests."""

    url: str
    routes: dict[tuple[str, str], Reply | Callable[[dict[str, Any]], Reply]] = field(
        default_factory=dict
    )
    seen: list[dict[str, Any]] = field(default_factory=list)


def handler_for(stub: StubApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0].removeprefix("/api")
            request = {
                "method": self.command,
                "path": path,
                "query": self.path.partition("?")[2],
                "headers": dict(self.headers),
                "raw": raw,
                "body": json.loads(raw)
                if raw and "json" in str(self.headers["Content-Type"])
                else None,
            }
            stub.seen.append(request)
            route = stub.routes.get((self.command, path))
            status, headers, body = (
                (404, {}, {"error": "NotFound", "message": "no route"})
                if route is None
                else route(request)
                if callable(route)
                else route
            )
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@dataclass
class CliWorld:
    deps: Deps
    store: TokenStore
    cognito: FakeCognito
    clock: FakeClock

    def sign_in(self, expires_in: float = 3600) -> None:
        self.store.save(
            Tokens("me@example.com", "id-0", "acc-0", "refresh-0", self.clock() + expires_in)
        )
