"""AssumeRoleWithWebIdentity: only a token from a registered OIDC provider, for one of its
audiences, signed and unexpired, and only for a role whose trust policy names that provider
(a local user pool's tokens are checked with the local key, others with the issuer's JWKS)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sts_rig import ACCOUNT, REMOTE_ISSUER, Rig, allow, trust


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def _provider(rig: Rig, url: str, audience: str) -> str:
    arn: str = rig.iam.create_open_id_connect_provider(
        Url=url, ClientIDList=[audience], ThumbprintList=["a" * 40]
    )["OpenIDConnectProviderArn"]
    return arn


def _federated_role(rig: Rig, provider_arn: str, **condition: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition:
        statement["Condition"] = {"StringEquals": condition}
    name = f"web-{uuid.uuid4().hex[:8]}"
    arn: str = rig.iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(statement))[
        "Role"
    ]["Arn"]
    rig.iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=allow("s3:GetObject"))
    return arn


@pytest.fixture(scope="module")
def local_pool(rig: Rig) -> tuple[str, str, str]:
    idp = rig.client("cognito-idp")
    pool = idp.create_user_pool(PoolName=f"web-{uuid.uuid4().hex[:6]}")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="app")["UserPoolClient"][
        "ClientId"
    ]
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    return issuer, client, _provider(rig, issuer, client)


def test_a_local_user_pool_id_token_assumes_the_trusting_role(
    rig: Rig, local_pool: tuple[str, str, str]
) -> None:
    issuer, client, provider = local_pool
    url = issuer.split("://", 1)[1]
    role = _federated_role(rig, provider, **{f"{url}:aud": client})
    token = rig.mint(issuer, client, token_use="id", sub="user-7")
    result = rig.sts().assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="app-user", WebIdentityToken=token
    )
    assert result["SubjectFromWebIdentityToken"] == "user-7"
    assert result["Audience"] == client and result["Provider"] == issuer
    creds = result["Credentials"]
    who = rig.sts(creds).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.rsplit('/', 1)[1]}/app-user"
    principal = rig.store.lookup(creds["AccessKeyId"])
    assert principal is not None and principal.web_identity == {
        "provider": provider,
        "subject": "user-7",
        "audience": client,
    }


def test_wrong_audience_expired_or_forged_tokens_are_refused(
    rig: Rig, local_pool: tuple[str, str, str]
) -> None:
    issuer, client, provider = local_pool
    role = _federated_role(rig, provider)
    sts = rig.sts()

    def attempt(token: str) -> tuple[str, str]:
        with pytest.raises(ClientError) as exc:
            sts.assume_role_with_web_identity(
                RoleArn=role, RoleSessionName="x1", WebIdentityToken=token
            )
        return _error(exc)

    assert attempt(rig.mint(issuer, "other-client", token_use="id")) == (
        "InvalidIdentityToken",
        "Incorrect token audience",
    )
    expired = rig.mint(issuer, client, token_use="id", exp=int(time.time()) - 5)
    assert attempt(expired)[0] == "ExpiredTokenException"
    header, body, signature = rig.mint(issuer, client, token_use="id").split(".")
    forged_body = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    assert attempt(f"{header}.{forged_body}.{signature}")[0] == "InvalidIdentityToken"
    assert attempt("not-a-jwt")[0] == "InvalidIdentityToken"


def test_an_unregistered_issuer_is_refused(rig: Rig) -> None:
    token = rig.mint("https://unknown.example.org", "aud-1")
    with pytest.raises(ClientError) as exc:
        rig.sts().assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/any-role",
            RoleSessionName="x1",
            WebIdentityToken=token,
        )
    assert _error(exc) == (
        "InvalidIdentityToken",
        "No OpenIDConnect provider found in your account for https://unknown.example.org",
    )


def test_a_role_that_trusts_another_provider_or_audience_is_refused(
    rig: Rig, local_pool: tuple[str, str, str]
) -> None:
    issuer, client, _ = local_pool
    role = _federated_role(rig, f"arn:aws:iam::{ACCOUNT}:oidc-provider/elsewhere.example.com")
    token = rig.mint(issuer, client, token_use="id")
    with pytest.raises(ClientError) as exc:
        rig.sts().assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="x1", WebIdentityToken=token
        )
    assert _error(exc) == (
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    )


def test_a_remote_issuers_token_is_checked_with_its_published_keys(rig: Rig) -> None:
    provider = _provider(rig, REMOTE_ISSUER, "ci-audience")
    role = _federated_role(rig, provider, **{"idp.example.com:sub": "repo:acme/app"})
    token = rig.mint(
        REMOTE_ISSUER,
        "ci-audience",
        sub="repo:acme/app",
        **{"https://aws.amazon.com/tags": {"principal_tags": {"repo": ["app"]}}},
    )
    with pytest.raises(ClientError) as exc:  # tags in the token need sts:TagSession too
        rig.sts().assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="ci-run", WebIdentityToken=token
        )
    assert _error(exc)[0] == "AccessDenied"
    plain = rig.mint(REMOTE_ISSUER, "ci-audience", sub="repo:acme/app")
    result = rig.sts().assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="ci-run", WebIdentityToken=plain
    )
    assert result["Provider"] == REMOTE_ISSUER
    assert REMOTE_ISSUER in rig.fetched
    other = rig.mint(REMOTE_ISSUER, "ci-audience", sub="repo:evil/app")
    with pytest.raises(ClientError) as exc:
        rig.sts().assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="ci-run", WebIdentityToken=other
        )
    assert _error(exc)[0] == "AccessDenied"
    assert json.loads(json.dumps(result["AssumedRoleUser"]))["Arn"].endswith("/ci-run")
