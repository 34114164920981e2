"""Local Cognito tokens are signed with this installation's key, not moto's bundled one."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.utilities.utils import load_resource
from moto_harness import MotoAsgi, client_factory, serve

from stratus.local.cognito.jwt_verify import TokenRejectedError, verify_cognito_token
from stratus.local.cognito.keys import LocalTokenKeys, install, jwks_interceptor, uninstall
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.moto_app import MotoApp


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> LocalTokenKeys:
    return LocalTokenKeys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with serve(MotoAsgi(MotoApp())) as url:
        yield url
    uninstall()  # moto is process-wide: leave it as other test modules expect


def _pool_with_user(aws: Any) -> tuple[str, str]:
    idp = aws("cognito-idp")
    pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice")
    idp.admin_set_user_password(
        UserPoolId=pool, Username="alice", Password="Passw0rd!x", Permanent=True
    )
    return pool, client


def _login(aws: Any, client: str) -> dict[str, str]:
    return aws("cognito-idp").initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!x"},
    )["AuthenticationResult"]


def test_key_file_is_private_and_stable(tmp_path: Path) -> None:
    first = LocalTokenKeys(tmp_path)
    assert stat.S_IMODE((tmp_path / "cognito-signing.pem").stat().st_mode) == 0o600
    assert LocalTokenKeys(tmp_path).kid == first.kid
    assert LocalTokenKeys(tmp_path / "cognito-signing.pem").kid == first.kid
    assert LocalTokenKeys(tmp_path / "other").kid != first.kid
    jwk = first.jwks()["keys"][0]
    assert jwk["kid"] == first.kid and "d" not in jwk and jwk["kty"] == "RSA"


def test_token_from_pool_created_before_install_verifies_with_our_key_only(
    keys: LocalTokenKeys, endpoint: str
) -> None:
    aws = client_factory(endpoint)
    pool, client = _pool_with_user(aws)  # created before install(): moto loaded its own key
    install(keys)
    tokens = _login(aws, client)
    for token in (tokens["IdToken"], tokens["AccessToken"]):
        claims = verify_cognito_token(
            token, jwks=keys.jwks(), region="us-east-1", pool_ids=[pool], client_ids=[client]
        )
        assert claims["iss"].endswith(pool)
        with pytest.raises(TokenRejectedError):
            verify_cognito_token(
                token,
                jwks=load_resource("cognitoidp/resources/jwks-public.json"),
                region="us-east-1",
                pool_ids=[pool],
                client_ids=[client],
            )


def test_pool_created_after_install_signs_with_our_kid(keys: LocalTokenKeys, endpoint: str) -> None:
    keys.install()
    aws = client_factory(endpoint)
    pool, client = _pool_with_user(aws)
    token = _login(aws, client)["IdToken"]
    verify_cognito_token(
        token, jwks=keys.jwks(), region="us-east-1", pool_ids=[pool], client_ids=[client]
    )
    served = httpx.get(f"{endpoint}/{pool}/.well-known/jwks.json").json()
    assert served["keys"][0]["kid"] == keys.kid


def test_jwks_interceptor_answers_only_jwks_paths(keys: LocalTokenKeys) -> None:
    def request(path: str) -> AwsRequest:
        return AwsRequest("GET", path, path, "", {}, b"")

    intercept = jwks_interceptor(keys)
    hit = asyncio.run(intercept(request("/us-east-1_abc123/.well-known/jwks.json")))
    miss = asyncio.run(intercept(request("/bucket/key")))
    assert hit is not None and keys.kid.encode() in hit.body
    assert miss is None
