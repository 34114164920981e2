"""The identity pool gives each verified user an identity of their own and distinct credentials."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from joserfc import jwt
from moto_harness import MotoAsgi, serve

from stratus.local.cognito.identity_pool import IdentityPoolService
from stratus.local.cognito.keys import LocalTokenKeys
from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.moto_app import MotoApp
from stratus.local.iam.credentials import CredentialStore
from stratus.local.provision.model import Deployment, Resource, Stack

REGION = "us-east-1"
USER_POOL = "us-east-1_TestPool1"
CLIENT = "testclient123"
PROVIDER = f"cognito-idp.{REGION}.amazonaws.com/{USER_POOL}"
POOL_ID = "us-east-1:11111111-2222-3333-4444-555555555555"
ROLE = "arn:aws:iam::000000000000:role/todo-AuthenticatedRole"
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def deployment() -> Deployment:
    def res(logical: str, type_: str, props: dict[str, Any], physical: str) -> Resource:
        return Resource("Todo", logical, type_, props, physical)

    resources = [
        res(
            "IdentityPool",
            "AWS::Cognito::IdentityPool",
            {
                "AllowUnauthenticatedIdentities": False,
                "CognitoIdentityProviders": [{"ClientId": CLIENT, "ProviderName": PROVIDER}],
            },
            POOL_ID,
        ),
        res(
            "Attach",
            "AWS::Cognito::IdentityPoolRoleAttachment",
            {"IdentityPoolId": POOL_ID, "Roles": {"authenticated": ROLE}},
            "a",
        ),
        res(
            "Tags",
            "AWS::Cognito::IdentityPoolPrincipalTag",
            {
                "IdentityPoolId": POOL_ID,
                "IdentityProviderName": PROVIDER,
                "PrincipalTags": {"sub": "sub"},
                "UseDefaults": False,
            },
            "t",
        ),
    ]
    stack = Stack("Todo", Path("t.json"), {r.logical_id: r for r in resources})
    return Deployment({"Todo": stack})


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> LocalTokenKeys:
    return LocalTokenKeys(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def store() -> CredentialStore:
    return CredentialStore()


@pytest.fixture
def service(keys: LocalTokenKeys, store: CredentialStore) -> IdentityPoolService:
    return IdentityPoolService(
        deployment(), store, keys, region=REGION, policies_for_role=lambda arn: [ROLE_POLICY]
    )


def id_token(keys: LocalTokenKeys, sub: str, **override: Any) -> str:
    """An ID token with Cognito's claim shape, signed with the local key."""
    now = int(time.time())
    claims = {
        "sub": sub,
        "aud": CLIENT,
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{USER_POOL}",
        "token_use": "id",
        "cognito:username": sub,
        "email": f"{sub}@example.com",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "event_id": "e",
        "origin_jti": "o",
        "jti": "j",
        **override,
    }
    return jwt.encode({"alg": "RS256", "kid": keys.kid}, claims, keys.private_key)


def call(
    service: IdentityPoolService, operation: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any], dict[str, str]]:
    request = AwsRequest(
        method="POST",
        path="/",
        raw_path="/",
        query_string="",
        headers={
            "x-amz-target": f"AWSCognitoIdentityService.{operation}",
            "content-type": "application/x-amz-json-1.1",
        },
        body=json.dumps(body).encode(),
    )
    response = asyncio.run(service(request))
    assert response is not None
    return response.status_code, json.loads(bytes(response.body)), dict(response.headers)


def get_id(service: IdentityPoolService, token: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    return call(service, "GetId", {"IdentityPoolId": POOL_ID, "Logins": {PROVIDER: token}})


def test_get_id_is_deterministic_per_user_and_distinct_across_users(
    service: IdentityPoolService, keys: LocalTokenKeys
) -> None:
    _, first, _ = get_id(service, id_token(keys, "alice"))
    _, again, _ = get_id(service, id_token(keys, "alice"))
    _, other, _ = get_id(service, id_token(keys, "bob"))
    assert first["IdentityId"] == again["IdentityId"] != other["IdentityId"]
    assert first["IdentityId"].startswith(f"{REGION}:")


@pytest.mark.parametrize(
    "override",
    [
        {"exp": int(time.time()) - 10},
        {"aud": "someone-elses-client"},
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"},
        {"token_use": "access"},
    ],
)
def test_bad_token_is_not_authorized(
    service: IdentityPoolService, keys: LocalTokenKeys, override: dict[str, Any]
) -> None:
    status, body, headers = get_id(service, id_token(keys, "alice", **override))
    assert status == 400
    assert body["__type"] == "NotAuthorizedException" and body["message"].startswith(
        "Invalid login token"
    )
    assert headers["x-amzn-errortype"] == "NotAuthorizedException"


def test_token_signed_by_another_key_is_not_authorized(
    service: IdentityPoolService, tmp_path: Path
) -> None:
    forger = LocalTokenKeys(tmp_path)
    status, body, _ = get_id(service, id_token(forger, "alice"))
    assert (status, body["__type"]) == (400, "NotAuthorizedException")


def test_no_logins_when_unauthenticated_is_disallowed(service: IdentityPoolService) -> None:
    status, body, _ = call(service, "GetId", {"IdentityPoolId": POOL_ID})
    assert (status, body["__type"]) == (400, "NotAuthorizedException")


def test_credentials_are_distinct_per_user_and_carry_role_and_tags(
    service: IdentityPoolService, keys: LocalTokenKeys, store: CredentialStore
) -> None:
    issued = {}
    for sub in ("alice", "bob"):
        token = id_token(keys, sub)
        _, ident, _ = get_id(service, token)
        status, body, _ = call(
            service,
            "GetCredentialsForIdentity",
            {"IdentityId": ident["IdentityId"], "Logins": {PROVIDER: token}},
        )
        assert status == 200 and body["IdentityId"] == ident["IdentityId"]
        issued[sub] = body["Credentials"]
    assert issued["alice"]["AccessKeyId"] != issued["bob"]["AccessKeyId"]
    principal = store.lookup(issued["alice"]["AccessKeyId"])
    assert principal is not None
    assert principal.secret_access_key == issued["alice"]["SecretKey"]
    assert principal.session_token == issued["alice"]["SessionToken"]
    assert principal.role_arn == ROLE and principal.policies == [ROLE_POLICY]
    assert principal.principal_tags == {"sub": "alice"}
    assert principal.kind == "identity"
    assert abs(issued["alice"]["Expiration"] - (time.time() + 3600)) < 60


def test_credentials_for_someone_elses_identity_are_refused(
    service: IdentityPoolService, keys: LocalTokenKeys
) -> None:
    _, bob, _ = get_id(service, id_token(keys, "bob"))
    status, body, _ = call(
        service,
        "GetCredentialsForIdentity",
        {"IdentityId": bob["IdentityId"], "Logins": {PROVIDER: id_token(keys, "alice")}},
    )
    assert (status, body["__type"]) == (400, "NotAuthorizedException")


def test_other_operations_and_unknown_pools_go_to_moto(
    service: IdentityPoolService, keys: LocalTokenKeys
) -> None:
    request = AwsRequest(
        "POST", "/", "/", "", {"x-amz-target": "AWSCognitoIdentityService.ListIdentityPools"}, b"{}"
    )
    assert asyncio.run(service(request)) is None
    body = json.dumps({"IdentityPoolId": "us-east-1:other", "Logins": {}}).encode()
    request = AwsRequest(
        "POST", "/", "/", "", {"x-amz-target": "AWSCognitoIdentityService.GetId"}, body
    )
    assert asyncio.run(service(request)) is None


@pytest.fixture
def endpoint(service: IdentityPoolService) -> Iterator[str]:
    async def intercept(request: AwsRequest) -> Any:
        return await service(request)

    with serve(MotoAsgi(MotoApp(), intercept)) as url:
        yield url


def test_boto3_cognito_identity_client_gets_per_user_credentials(
    endpoint: str, keys: LocalTokenKeys
) -> None:
    client = boto3.client(
        "cognito-identity",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )
    token = id_token(keys, "carol")
    identity = client.get_id(IdentityPoolId=POOL_ID, Logins={PROVIDER: token})["IdentityId"]
    creds = client.get_credentials_for_identity(IdentityId=identity, Logins={PROVIDER: token})
    assert creds["IdentityId"] == identity
    assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert creds["Credentials"]["Expiration"].timestamp() > time.time()
    with pytest.raises(ClientError) as exc:
        client.get_id(IdentityPoolId=POOL_ID, Logins={PROVIDER: token + "x"})
    assert exc.value.response["Error"]["Code"] == "NotAuthorizedException"
