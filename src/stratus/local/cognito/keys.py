"""The per-installation key that signs Cognito tokens locally.

moto 5.2.5 signs every user-pool token with one RSA key bundled in its wheel (kid "dummy"),
so anyone could forge tokens a local authorizer would accept. Here each installation makes
its own RSA-2048 key (kept 0600 under the state dir) and `install()` makes moto sign with it:
moto's models module encodes with `jwt.encode(headers, payload, self.json_web_key)` and a
hard-coded kid, so the module's `jwt` is swapped for a shim that puts in our kid and key.
That covers every pool — existing, created later, or restored from a snapshot — without
copying moto's claim-building code. moto's JWKS endpoint is pointed at our public key too,
and `jwks_interceptor` answers it before moto for front doors that want to be explicit.

The shim is also where a pre token generation trigger's answer reaches the claims: while
`CLAIMS_EDIT` holds a function (set around moto's token building by `cognito.tokens`), every
token's claims pass through it just before they are signed.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey
from starlette.responses import JSONResponse, Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.contracts import AwsInterceptor

KEY_FILE = "cognito-signing.pem"
# Claims -> claims, applied to each token signed while set (pre token generation).
CLAIMS_EDIT: ContextVar[Callable[[dict[str, Any]], dict[str, Any]] | None] = ContextVar(
    "stratus_cognito_claims_edit", default=None
)
# A caller's own edit for the tokens of one request, applied after CLAIMS_EDIT (which the
# token building sets for itself): the hosted UI's OAuth `scope` and `nonce` (cognito.hosted_ui).
REQUEST_CLAIMS_EDIT: ContextVar[Callable[[dict[str, Any]], dict[str, Any]] | None] = ContextVar(
    "stratus_cognito_request_claims_edit", default=None
)
JWKS_PATH = re.compile(r"^/([\w-]+_[0-9A-Za-z]+)/\.well-known/jwks\.json$")


class LocalTokenKeys:
    """RSA signing key for local Cognito tokens; `kid` is its RFC 7638 thumbprint."""

    def __init__(self, path: Path) -> None:
        """`path`: the PEM file, or the keys directory (then `cognito-signing.pem` in it)."""
        self.path = path if path.suffix == ".pem" else path / KEY_FILE
        self._key = RSAKey.import_key(_load_or_create_pem(self.path))
        self.kid: str = self._key.thumbprint()

    @property
    def private_key(self) -> RSAKey:
        return self._key

    def install(self) -> None:
        """Make moto sign with this key (see module `install`)."""
        install(self)

    def jwks(self) -> dict[str, Any]:
        public = self._key.as_dict(private=False)
        public.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [public]}


def _load_or_create_pem(path: Path) -> bytes:
    if path.is_file():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, path)
    return pem


class _SigningJwt:
    """Stands in for joserfc's `jwt` module inside moto.cognitoidp.models."""

    def __init__(self, real: Any, keys: LocalTokenKeys) -> None:
        self._real = real
        self._keys = keys

    def encode(
        self, header: dict[str, Any], claims: dict[str, Any], key: Any, *a: Any, **kw: Any
    ) -> str:
        header = {**header, "kid": self._keys.kid, "alg": "RS256"}
        claims = _true_email(claims)
        edit = CLAIMS_EDIT.get()
        if edit is not None:
            claims = edit(dict(claims))
        outer = REQUEST_CLAIMS_EDIT.get()
        if outer is not None:
            claims = outer(dict(claims))
        return str(self._real.encode(header, claims, self._keys.private_key, *a, **kw))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _true_email(claims: dict[str, Any]) -> dict[str, Any]:
    """An ID token's `email` is the user's e-mail attribute, as Cognito puts it. moto writes
    the user name it was given there in pools that sign in by e-mail, which is the user's
    `sub` when the sign-in named the user by its internal name (the local sign-in engine,
    the hosted UI); a user without an e-mail attribute has no `email` claim."""
    if claims.get("token_use") != "id" or "email" not in claims:
        return claims
    from stratus.local.cognito import pools

    pool = pools.pool_by_id(str(claims.get("iss", "")).rsplit("/", 1)[-1])
    user = None if pool is None else pools.find_user(pool, str(claims.get("cognito:username")))
    if user is None:
        return claims
    email = pools.user_attributes(user).get("email")
    fixed = {k: v for k, v in claims.items() if k != "email"}
    if email:
        fixed["email"] = email
    return fixed


_install_lock = threading.Lock()


def install(keys: LocalTokenKeys) -> None:
    """Make moto sign every Cognito token with `keys` and publish its public JWKS."""
    import json

    from moto.cognitoidp import models, responses

    with _install_lock:
        real = models.jwt._real if isinstance(models.jwt, _SigningJwt) else models.jwt
        models.jwt = _SigningJwt(real, keys)  # type: ignore[assignment]
        responses.CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps(keys.jwks()).encode()


def uninstall() -> None:
    """Give moto its own key back (tests; `stratus up` never needs this)."""
    import json

    from moto.cognitoidp import models, responses
    from moto.utilities.utils import load_resource

    with _install_lock:
        if isinstance(models.jwt, _SigningJwt):
            models.jwt = models.jwt._real
        public = load_resource("cognitoidp/resources/jwks-public.json")
        responses.CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps(public).encode()


def jwks_interceptor(keys: LocalTokenKeys) -> AwsInterceptor:
    """Answers `GET /<pool_id>/.well-known/jwks.json` with our public key (before moto)."""

    async def intercept(request: AwsRequest) -> Response | None:
        if request.method not in ("GET", "HEAD") or not JWKS_PATH.match(request.path):
            return None
        return JSONResponse(keys.jwks())

    return intercept
