"""An STS endpoint for the tests: uvicorn -> FrontDoor (the STS hook) -> in-process moto.

boto3 signs real requests against it, so the caller is found exactly as `stratus up` finds
it; IAM users, keys, roles and OIDC providers are made through moto's own IAM API. Web
identity tokens are signed by a key of the rig's own (`Rig.mint`), served as both the local
pools' JWKS and a remote issuer's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from joserfc import jwt
from joserfc.jwk import RSAKey
from moto_harness import serve

from stratus.local.core.front_door import FrontDoor
from stratus.local.core.hooks import HookTable
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.registry import Hook
from stratus.local.iam.credentials import CredentialStore
from stratus.local.iam.directory import MotoIamDirectory
from stratus.local.iam.sts import StsApi
from stratus.local.iam.users import install_user_ids
from stratus.local.iam.web_identity import WebIdentityVerifier

ACCOUNT = "000000000000"
REMOTE_ISSUER = "https://idp.example.com"


@dataclass
class Clock:
    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Rig:
    endpoint: str
    store: CredentialStore
    clock: Clock
    key: RSAKey
    fetched: list[str] = field(default_factory=list)

    def client(self, service: str, creds: dict[str, str] | None = None, **config: Any) -> Any:
        creds = creds or {"AccessKeyId": "test", "SecretAccessKey": "test"}
        session = boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds.get("SessionToken"),
            region_name="us-east-1",
        )
        return session.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.endpoint,
            config=Config(retries={"max_attempts": 1}, **config),
        )

    @property
    def iam(self) -> Any:
        return self.client("iam")

    def sts(self, creds: dict[str, str] | None = None, **config: Any) -> Any:
        return self.client("sts", creds, **config)

    def mint(self, issuer: str, audience: str, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": issuer, "aud": audience, "sub": "subject-1", "iat": now, "exp": now + 600}
        body.update(claims)
        return jwt.encode({"alg": "RS256", "kid": self.key.thumbprint()}, body, self.key)

    def jwks(self) -> dict[str, Any]:
        public = self.key.as_dict(private=False)
        public.update({"kid": self.key.thumbprint(), "alg": "RS256", "use": "sig"})
        return {"keys": [public]}


def user_keys(rig: Rig, name: str, path: str = "/") -> dict[str, str]:
    rig.iam.create_user(UserName=name, Path=path)
    key = rig.iam.create_access_key(UserName=name)["AccessKey"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}


def trust(*statements: dict[str, Any]) -> str:
    import json

    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*") -> str:
    return trust({"Effect": "Allow", "Action": action, "Resource": resource})


@contextmanager
def sts_rig(folder: Path) -> Iterator[Rig]:
    """The rig, its credentials file in `folder`."""
    install_user_ids()
    moto = MotoApp()
    clock = Clock()
    store = CredentialStore(folder / "credentials.json")
    key = RSAKey.generate_key(2048)
    fetched: list[str] = []
    holder: dict[str, Rig] = {}

    def fetch(issuer: str) -> dict[str, Any]:
        fetched.append(issuer)
        return holder["rig"].jwks()

    def local_pool_exists(pool_id: str) -> bool:
        from stratus.local.cognito.pools import pool_by_id

        return pool_by_id(pool_id) is not None

    directory = MotoIamDirectory(ACCOUNT)
    verifier = WebIdentityVerifier(
        directory.oidc_provider,
        lambda: holder["rig"].jwks(),
        local_pool_exists,
        fetch=fetch,
        clock=clock,
    )
    api = StsApi(store, verifier, account=ACCOUNT, clock=clock)
    table = HookTable()
    table.add([Hook("sts", op, before=api) for op in StsApi.OPERATIONS])
    door = FrontDoor(moto.handle, hooks=table)
    with serve(door) as url:
        holder["rig"] = Rig(url, store, clock, key, fetched)
        yield holder["rig"]
