"""Who the caller is, through a running cloud (the fixture app tests/fixtures/apps/sts_identities):
GetCallerIdentity for every kind of caller (boto3 and the aws CLI), AssumeRole refused by a
trust policy or a wrong ExternalId and allowed otherwise, and the keys it returns — like an
IAM user's own keys — working on S3 and on AWS_IAM API methods as their policies say."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import aws_client, fixture_app_cloud, sign_up_and_login, stack_api

ACCOUNT = "000000000000"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    with fixture_app_cloud(tmp_path_factory, "sts_identities", "sts-identities-app") as handle:
        yield handle


@pytest.fixture(scope="module")
def api(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    with stack_api(cloud) as client:
        yield client


def client(cloud: LocalCloudHandle, service: str, creds: dict[str, str] | None = None) -> Any:
    if creds is None:
        return aws_client(cloud, service)
    return aws_client(
        cloud,
        service,
        access_key=creds["AccessKeyId"],
        secret_key=creds["SecretAccessKey"],
        **({"session_token": creds["SessionToken"]} if creds.get("SessionToken") else {}),
    )


def signed_get(api: httpx.Client, path: str, creds: dict[str, str]) -> httpx.Response:
    url = str(api.base_url).rstrip("/") + "/" + path.lstrip("/")
    request = AWSRequest(method="GET", url=url)
    signer = SigV4Auth(
        Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds.get("SessionToken")),
        "execute-api",
        "us-east-1",
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=now):
        signer.add_auth(request)
    return api.get(path, headers=dict(request.headers.items()))


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def invoke_grant(cloud: LocalCloudHandle) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "execute-api:Invoke",
                    "Resource": cloud.stack_output("AllowedArn"),
                },
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{cloud.stack_output('BucketName')}/*",
                },
            ],
        }
    )


# -- who is calling ----------------------------------------------------------------------------


def test_root_keys_are_the_account_root_for_boto3_and_the_aws_cli(cloud: LocalCloudHandle) -> None:
    who = aws_client(cloud, "sts").get_caller_identity()
    assert (who["Arn"], who["UserId"], who["Account"]) == (
        f"arn:aws:iam::{ACCOUNT}:root",
        ACCOUNT,
        ACCOUNT,
    )
    aws = Path(sys.executable).with_name("aws")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    env.pop("AWS_SESSION_TOKEN", None)
    out = subprocess.run(
        [str(aws), "--endpoint-url", cloud.aws_endpoint, "sts", "get-caller-identity"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout)["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"


def test_a_function_is_its_roles_session_named_after_the_function(
    cloud: LocalCloudHandle,
) -> None:
    name = cloud.stack_output("WhoAmIName")
    answer = aws_client(cloud, "lambda").invoke(FunctionName=name)
    who = json.loads(answer["Payload"].read())
    role = str(cloud.stack_output("WhoAmIRoleArn")).rsplit("/", 1)[1]
    role_id = aws_client(cloud, "iam").get_role(RoleName=role)["Role"]["RoleId"]
    assert who == {
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{name}",
        "UserId": f"{role_id}:{name}",
        "Account": ACCOUNT,
    }


def test_an_identity_pool_user_is_its_roles_cognito_identity_credentials_session(
    cloud: LocalCloudHandle,
) -> None:
    user = sign_up_and_login(cloud)
    identity = aws_client(cloud, "cognito-identity")
    provider = f"cognito-idp.us-east-1.amazonaws.com/{cloud.stack_output('UserPoolId')}"
    identity_id = identity.get_id(
        IdentityPoolId=cloud.stack_output("IdentityPoolId"), Logins={provider: user.id_token}
    )["IdentityId"]
    creds = identity.get_credentials_for_identity(
        IdentityId=identity_id, Logins={provider: user.id_token}
    )["Credentials"]
    who = client(
        cloud, "sts", {**creds, "SecretAccessKey": creds["SecretKey"]}
    ).get_caller_identity()
    role = str(cloud.stack_output("IdentityRoleArn")).rsplit("/", 1)[1]
    assert who["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/CognitoIdentityCredentials"


# -- AssumeRole ---------------------------------------------------------------------------------


def test_the_partner_role_needs_its_external_id_and_then_works_as_its_policies_say(
    cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    role = cloud.stack_output("PartnerRoleArn")
    sts = aws_client(cloud, "sts")
    for extra in ({}, {"ExternalId": "partner-41"}):
        with pytest.raises(ClientError) as exc:
            sts.assume_role(RoleArn=role, RoleSessionName="partner", **extra)
        assert code_of(exc) == "AccessDenied"
        assert "is not authorized to perform: sts:AssumeRole" in str(exc.value)
    result = sts.assume_role(RoleArn=role, RoleSessionName="partner", ExternalId="partner-42")
    creds = result["Credentials"]
    name = role.rsplit("/", 1)[1]
    assert client(cloud, "sts", creds).get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/partner"
    )

    bucket = cloud.stack_output("BucketName")
    aws_client(cloud, "s3").put_object(Bucket=bucket, Key="report.txt", Body=b"figures")
    s3 = client(cloud, "s3", creds)
    assert s3.get_object(Bucket=bucket, Key="report.txt")["Body"].read() == b"figures"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="report.txt", Body=b"forged")
    assert code_of(exc) == "AccessDenied"

    assert signed_get(api, "iam/allowed", creds).status_code == 200
    denied = signed_get(api, "iam/denied", creds)
    assert denied.status_code == 403
    assert f"assumed-role/{name}/partner is not authorized" in denied.json()["Message"]


def test_a_trust_policy_naming_another_user_refuses_the_caller(cloud: LocalCloudHandle) -> None:
    iam = aws_client(cloud, "iam")
    suffix = uuid.uuid4().hex[:6]
    trusted, other = f"trusted-{suffix}", f"other-{suffix}"
    for name in (trusted, other):
        iam.create_user(UserName=name)
    keys = {name: iam.create_access_key(UserName=name)["AccessKey"] for name in (trusted, other)}
    role = iam.create_role(
        RoleName=f"only-{trusted}",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{trusted}"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    with pytest.raises(ClientError) as exc:
        client(cloud, "sts", keys[other]).assume_role(RoleArn=role, RoleSessionName="try")
    assert str(exc.value.response["Error"]["Message"]) == (
        f"User: arn:aws:iam::{ACCOUNT}:user/{other} is not authorized to perform: "
        f"sts:AssumeRole on resource: {role}"
    )
    assert client(cloud, "sts", keys[trusted]).assume_role(RoleArn=role, RoleSessionName="ok")


def test_a_runtime_role_takes_policy_changes_for_new_sessions(
    cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    iam = aws_client(cloud, "iam")
    name = f"runtime-{uuid.uuid4().hex[:6]}"
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    sts = aws_client(cloud, "sts")
    before = sts.assume_role(RoleArn=role, RoleSessionName="before")["Credentials"]
    assert signed_get(api, "iam/allowed", before).status_code == 403
    policy = iam.create_policy(PolicyName=f"{name}-grant", PolicyDocument=invoke_grant(cloud))
    iam.attach_role_policy(RoleName=name, PolicyArn=policy["Policy"]["Arn"])
    after = sts.assume_role(RoleArn=role, RoleSessionName="after")["Credentials"]
    assert signed_get(api, "iam/allowed", after).status_code == 200


# -- IAM users' own keys --------------------------------------------------------------------------


def test_an_iam_users_key_is_recognized_allowed_by_its_policies_and_dies_when_disabled(
    cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    iam = aws_client(cloud, "iam")
    name = f"dev-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=name, Path="/engineering/")
    key = iam.create_access_key(UserName=name)["AccessKey"]
    who = client(cloud, "sts", key).get_caller_identity()
    assert who["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/engineering/{name}"
    assert who["UserId"] == iam.get_user(UserName=name)["User"]["UserId"]
    assert who["UserId"].startswith("AIDA")

    bucket = cloud.stack_output("BucketName")
    aws_client(cloud, "s3").put_object(Bucket=bucket, Key="notes.txt", Body=b"n")
    assert signed_get(api, "iam/allowed", key).status_code == 403
    with pytest.raises(ClientError) as exc:
        client(cloud, "s3", key).get_object(Bucket=bucket, Key="notes.txt")
    assert code_of(exc) == "AccessDenied"

    iam.put_user_policy(UserName=name, PolicyName="grant", PolicyDocument=invoke_grant(cloud))
    allowed = signed_get(api, "iam/allowed", key)
    assert allowed.status_code == 200
    assert allowed.json()["identity"]["userArn"] == who["Arn"]
    assert signed_get(api, "iam/denied", key).status_code == 403
    assert client(cloud, "s3", key).get_object(Bucket=bucket, Key="notes.txt")["Body"].read()

    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert signed_get(api, "iam/allowed", key).status_code == 403
    with pytest.raises(ClientError) as exc:
        client(cloud, "sts", key).get_caller_identity()
    assert code_of(exc) == "InvalidClientTokenId"


# -- declared in the template: an OIDC provider, a user, its group and key -----------------------


def test_a_user_pool_id_token_assumes_the_role_trusting_the_pools_oidc_provider(
    cloud: LocalCloudHandle,
) -> None:
    user = sign_up_and_login(cloud)
    sts = aws_client(cloud, "sts")
    role = cloud.stack_output("WebRoleArn")
    result = sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="web-user", WebIdentityToken=user.id_token
    )
    assert result["SubjectFromWebIdentityToken"] == user.sub
    creds = result["Credentials"]
    bucket = cloud.stack_output("BucketName")
    aws_client(cloud, "s3").put_object(Bucket=bucket, Key="web.txt", Body=b"w")
    assert client(cloud, "s3", creds).get_object(Bucket=bucket, Key="web.txt")["Body"].read()
    with pytest.raises(ClientError) as exc:  # an access token has no audience: refused
        sts.assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="web-user", WebIdentityToken=user.access_token
        )
    assert code_of(exc) == "InvalidIdentityToken"


def test_a_template_users_key_works_through_its_groups_policy(
    cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    key = {
        "AccessKeyId": cloud.stack_output("CiKeyId"),
        "SecretAccessKey": cloud.stack_output("CiKeySecret"),
    }
    who = client(cloud, "sts", key).get_caller_identity()
    assert who["Arn"] == cloud.stack_output("CiUserArn")
    assert signed_get(api, "iam/allowed", key).status_code == 200
    assert signed_get(api, "iam/denied", key).status_code == 403


def test_an_iam_users_s3_policy_may_name_its_own_home_with_aws_username(
    cloud: LocalCloudHandle,
) -> None:
    iam = aws_client(cloud, "iam")
    name = f"home-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    bucket = cloud.stack_output("BucketName")
    home = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/home/${{aws:username}}/*",
            }
        ],
    }
    iam.put_user_policy(UserName=name, PolicyName="home", PolicyDocument=json.dumps(home))
    root_s3 = aws_client(cloud, "s3")
    for owner in (name, "someone-else"):
        root_s3.put_object(Bucket=bucket, Key=f"home/{owner}/a.txt", Body=owner.encode())
    s3 = client(cloud, "s3", key)
    assert s3.get_object(Bucket=bucket, Key=f"home/{name}/a.txt")["Body"].read() == name.encode()
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="home/someone-else/a.txt")
    assert code_of(exc) == "AccessDenied"
