"""Users, tokens and clients for tests that drive the running local cloud, and the shop's
session cloud.

`shop_cloud` is one `stratus up --system shop` for every shop module of the session (of the
xdist worker): a module takes it as its own with
`SHOP = pytest.mark.xdist_group("shop")` in its `pytestmark` (so `-n N --dist loadgroup` keeps
the shop modules on the worker that started it) and
`def cloud(shop_cloud): return shop_cloud`. Tests sharing it make their own users, e-mails,
products and orders (unique names), and never count on a number the others may move.
"""

from __future__ import annotations

import shutil
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.conftest import (
    ROOT,
    LocalCloudHandle,
    start_local_cloud,
    stop_local_cloud,
    unique_email,
    worker_state_dir,
)

PASSWORD = "Correct-Horse-9-Battery!"

pytestmark = pytest.mark.integration
# Marks a shop module: it runs on the one worker that holds the shop's session cloud.
SHOP = pytest.mark.xdist_group("shop")


FIXTURE_APPS = ROOT / "tests" / "fixtures" / "apps"


def copy_fixture_app(factory: pytest.TempPathFactory, name: str, label: str) -> Path:
    """A private copy of tests/fixtures/apps/<name> (without its state or cdk.out), so each
    module's cloud starts from the app alone."""
    app_dir = factory.mktemp(label) / name
    shutil.copytree(
        FIXTURE_APPS / name, app_dir, ignore=shutil.ignore_patterns(".stratus", "cdk.out")
    )
    return app_dir


@contextmanager
def fixture_app_cloud(
    factory: pytest.TempPathFactory, name: str, label: str
) -> Iterator[LocalCloudHandle]:
    """A local cloud running a copy of the fixture app `name`, stopped afterwards."""
    proc, handle = start_local_cloud(None, app_dir=copy_fixture_app(factory, name, label))
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


@contextmanager
def stack_api(cloud: LocalCloudHandle, output: str = "ApiUrl") -> Iterator[httpx.Client]:
    """An HTTPS client on the API a stack output names, trusting the local CA."""
    with httpx.Client(
        base_url=str(cloud.stack_output(output)),
        verify=ssl.create_default_context(cafile=str(cloud.ca_pem)),
        timeout=35,
    ) as client:
        yield client


def aws_client(cloud: LocalCloudHandle, service: str, **creds: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds.get("access_key", "test"),
        aws_secret_access_key=creds.get("secret_key", "test"),
        aws_session_token=creds.get("session_token"),
    )


@dataclass
class User:
    email: str
    id_token: str
    access_token: str
    refresh_token: str
    sub: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": self.id_token}


def sign_up_and_login(cloud: LocalCloudHandle, email: str | None = None) -> User:
    email = email or unique_email()
    idp = aws_client(cloud, "cognito-idp")
    client_id = cloud.stack_output("UserPoolClientId")
    idp.sign_up(
        ClientId=client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.confirm_sign_up(
        ClientId=client_id, Username=email, ConfirmationCode=cloud.confirmation_code(email)
    )
    result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    claims = unverified_claims(result["IdToken"])
    return User(
        email, result["IdToken"], result["AccessToken"], result["RefreshToken"], claims["sub"]
    )


def unverified_claims(token: str) -> dict[str, Any]:
    import base64
    import json

    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload))
    return data


def signing_key(cloud: LocalCloudHandle) -> RSAKey:
    """The local cloud's own Cognito key: tests mint tokens that differ in one claim."""
    pem = (cloud.state_dir / "keys" / "cognito-signing.pem").read_bytes()
    return RSAKey.import_key(pem)


def mint_token(
    cloud: LocalCloudHandle,
    key: RSAKey,
    kid: str | None,
    *,
    pool_output: str = "UserPoolId",
    client_output: str = "UserPoolClientId",
    **overrides: Any,
) -> str:
    """An ID token for the pool and app client the named stack outputs give (the to-do
    system's by default), signed by `key`, with `overrides` replacing claims."""
    pool_id = cloud.stack_output(pool_output)
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "00000000-0000-4000-8000-000000000000",
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}",
        "aud": cloud.stack_output(client_output),
        "token_use": "id",
        "email": "forged@example.com",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    header = {"alg": "RS256", "kid": kid or key.thumbprint()}
    return jwt.encode(header, claims, key)


@pytest.fixture(scope="session")
def alice(local_cloud: LocalCloudHandle) -> User:
    return sign_up_and_login(local_cloud, unique_email("alice"))


@pytest.fixture(scope="session")
def bob(local_cloud: LocalCloudHandle) -> User:
    return sign_up_and_login(local_cloud, unique_email("bob"))


@pytest.fixture(scope="session")
def api(local_cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=str(local_cloud.stack_output("TodoApiUrl")),
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)),
        timeout=35,
    ) as client:
        yield client


@pytest.fixture(scope="session")
def shop_cloud() -> Iterator[LocalCloudHandle]:
    """The shop alone (`--system shop`), alarms sampled every second (as the payments DLQ
    alarm test needs); its fixed state folder keeps the synth for the next run."""
    proc, handle = start_local_cloud(
        worker_state_dir("test-shop-cloud"),
        extra_args=["--system", "shop"],
        env={"STRATUS_ALARM_SECONDS": "1"},
    )
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


# Shop modules that put made-up orders on the bus: payments answers each, and orders' queue
# retries those answers (no such order) until they are dead-lettered, ~3 minutes. Run after
# the others, orders' test of its own results does not wait for that queue to drain.
MADE_UP_ORDERS = ("test_shop_analytics.py", "test_shop_payments.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name in MADE_UP_ORDERS)  # stable: else as collected
