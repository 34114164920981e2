"""The authorize endpoint's rules and PKCE, as pure functions (unit-tested alone).

https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
- `client_id` must name an app client and `redirect_uri` must be one of its callback URLs,
  compared exactly; otherwise Cognito shows an error page and redirects nowhere.
- With those right, other faults go back to the redirect URI as `error=` (+ `state`):
  `unsupported_response_type`, `unauthorized_client` (flow not allowed, or OAuth off for
  the client), `invalid_scope`, `invalid_request` (PKCE method other than S256: "Amazon
  Cognito authentication server supports only S256").
- `scope` is a subset of the client's AllowedOAuthScopes; without it, all of them.
PKCE (RFC 7636 §4.6): S256 challenge = BASE64URL(SHA256(ASCII(verifier))), no padding; a
verifier is 43-128 characters of [A-Za-z0-9-._~].
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from stratus.local.cognito.hosted_ui.clients import AppClient

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
RESPONSE_FLOWS = {"code": "code", "token": "implicit"}


class PageError(Exception):
    """A fault shown on an error page of the domain: never a redirect to the client."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


class RedirectError(Exception):
    """A fault sent back to the (checked) redirect URI as `error=`."""

    def __init__(self, error: str, redirect_uri: str, state: str | None, fragment: bool) -> None:
        super().__init__(error)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state
        self.fragment = fragment


@dataclass(frozen=True)
class AuthorizeRequest:
    client: AppClient
    response_type: str  # "code" | "token"
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    identity_provider: str | None


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: str | None, challenge: str | None) -> bool:
    """True when no challenge was sent, or the verifier is well-formed and hashes to it."""
    if challenge is None:
        return True
    if not verifier or not _VERIFIER.match(verifier):
        return False
    return hmac.compare_digest(s256(verifier), challenge)


def parse_authorize(params: Mapping[str, str], find_client: object) -> AuthorizeRequest:
    """The checked request, or PageError / RedirectError. `find_client(id) -> AppClient|None`."""
    client_id = params.get("client_id", "")
    client = find_client(client_id) if client_id else None  # type: ignore[operator]
    if client is None:
        raise PageError("invalid_request", "The client_id is not valid for this user pool.")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not client.allows_callback(redirect_uri):
        raise PageError(
            "redirect_mismatch", "The redirect_uri is not a callback URL of the client."
        )
    state = params.get("state")
    response_type = params.get("response_type", "")
    fragment = response_type == "token"

    def fail(error: str) -> RedirectError:
        return RedirectError(error, redirect_uri, state, fragment)

    if response_type not in RESPONSE_FLOWS:
        raise fail("unsupported_response_type")
    if not client.oauth_enabled or RESPONSE_FLOWS[response_type] not in client.flows:
        raise fail("unauthorized_client")
    requested = tuple(dict.fromkeys(params.get("scope", "").split()))
    if requested and not set(requested) <= client.scopes:
        raise fail("invalid_scope")
    scopes = requested or tuple(sorted(client.scopes))
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is not None or method is not None:
        if response_type != "code" or method != "S256" or not challenge:
            raise fail("invalid_request")
        if not re.fullmatch(r"[A-Za-z0-9\-_]{43}", challenge):
            raise fail("invalid_request")
    provider = params.get("identity_provider")
    if provider is not None and provider not in client.identity_providers:
        raise fail("unauthorized_client")
    return AuthorizeRequest(
        client=client,
        response_type=response_type,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        nonce=params.get("nonce"),
        code_challenge=challenge,
        identity_provider=provider,
    )


def safe_next(path: str) -> bool:
    """A same-domain relative path only (no scheme, no `//host`, no backslash tricks)."""
    return path.startswith("/") and not path.startswith(("//", "/\\")) and "\\" not in path
