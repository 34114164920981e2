"""GetCallerIdentity names every kind of caller as AWS does, and only a valid signature
with a live key gets an answer; IAM users' keys are found live in IAM."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from sts_rig import ACCOUNT, Rig, allow, user_keys

from stratus.local.iam.credentials import Principal
from stratus.local.iam.identity import caller_arn, caller_identity, principal_context


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_root_keys_are_the_account_root(rig: Rig) -> None:
    who = rig.sts().get_caller_identity()
    assert who["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert who["UserId"] == ACCOUNT
    assert who["Account"] == ACCOUNT


def test_an_iam_users_key_is_that_user_with_its_path_and_aida_id(rig: Rig) -> None:
    name = _name("dev")
    creds = user_keys(rig, name, path="/team/")
    who = rig.sts(creds).get_caller_identity()
    assert who["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/team/{name}"
    user_id = rig.iam.get_user(UserName=name)["User"]["UserId"]
    assert who["UserId"] == user_id
    assert user_id.startswith("AIDA") and len(user_id) == 21


def test_an_unknown_key_is_an_invalid_client_token(rig: Rig) -> None:
    with pytest.raises(ClientError) as exc:
        rig.sts(
            {"AccessKeyId": "AKIANOTAKEY000000000", "SecretAccessKey": "x"}
        ).get_caller_identity()
    assert _code(exc) == "InvalidClientTokenId"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_wrong_secret_does_not_match_the_signature(rig: Rig) -> None:
    creds = user_keys(rig, _name("wrong"))
    creds["SecretAccessKey"] = "not-the-secret"
    with pytest.raises(ClientError) as exc:
        rig.sts(creds).get_caller_identity()
    assert _code(exc) == "SignatureDoesNotMatch"


def test_an_inactive_or_deleted_user_key_is_not_recognized(rig: Rig) -> None:
    name = _name("rotating")
    creds = user_keys(rig, name)
    assert rig.store.lookup(creds["AccessKeyId"]) is not None
    rig.iam.update_access_key(UserName=name, AccessKeyId=creds["AccessKeyId"], Status="Inactive")
    assert rig.store.lookup(creds["AccessKeyId"]) is None
    with pytest.raises(ClientError) as exc:
        rig.sts(creds).get_caller_identity()
    assert _code(exc) == "InvalidClientTokenId"
    rig.iam.update_access_key(UserName=name, AccessKeyId=creds["AccessKeyId"], Status="Active")
    assert rig.sts(creds).get_caller_identity()["Arn"].endswith(f":user/{name}")
    rig.iam.delete_access_key(UserName=name, AccessKeyId=creds["AccessKeyId"])
    assert rig.store.lookup(creds["AccessKeyId"]) is None


def test_a_users_policies_are_read_live_inline_attached_and_groups(rig: Rig) -> None:
    name, group = _name("reader"), _name("readers")
    creds = user_keys(rig, name)
    principal = rig.store.lookup(creds["AccessKeyId"])
    assert principal is not None and principal.kind == "user" and principal.policies == []
    rig.iam.put_user_policy(UserName=name, PolicyName="own", PolicyDocument=allow("s3:GetObject"))
    arn = rig.iam.create_policy(PolicyName=_name("p"), PolicyDocument=allow("sqs:SendMessage"))[
        "Policy"
    ]["Arn"]
    rig.iam.attach_user_policy(UserName=name, PolicyArn=arn)
    rig.iam.create_group(GroupName=group)
    rig.iam.put_group_policy(GroupName=group, PolicyName="g", PolicyDocument=allow("sns:Publish"))
    rig.iam.add_user_to_group(GroupName=group, UserName=name)
    principal = rig.store.lookup(creds["AccessKeyId"])
    assert principal is not None and principal.policies is not None
    actions = sorted(s["Action"] for p in principal.policies for s in p["Statement"])
    assert actions == ["s3:GetObject", "sns:Publish", "sqs:SendMessage"]


def test_get_session_token_of_a_user_is_that_user_and_cannot_be_chained(rig: Rig) -> None:
    name = _name("temp")
    creds = user_keys(rig, name)
    session = rig.sts(creds).get_session_token(DurationSeconds=900)["Credentials"]
    assert session["AccessKeyId"].startswith("ASIA")
    who = rig.sts(session).get_caller_identity()
    assert who["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{name}"
    with pytest.raises(ClientError) as exc:
        rig.sts(session).get_session_token()
    assert _code(exc) == "AccessDenied"


def test_an_expired_session_is_refused_with_expired_token(rig: Rig) -> None:
    session = rig.sts().get_session_token(DurationSeconds=900)["Credentials"]
    principal = rig.store.lookup(session["AccessKeyId"])
    assert principal is not None and not principal.expired()
    rig.clock.offset = 901
    try:
        assert principal.expired(rig.clock())
        with pytest.raises(ClientError) as exc:
            rig.sts(session).get_caller_identity()
        assert _code(exc) == "ExpiredToken"
    finally:
        rig.clock.offset = 0


def test_a_functions_and_an_identity_pool_users_sessions_are_named_as_aws_names_them() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/service/fn-role-{uuid.uuid4().hex[:6]}"
    function = Principal("ASIAF", "s", "function", "t", role_arn=role, subject="orders-fn")
    who = caller_identity(function, ACCOUNT)
    assert who.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.rsplit('/', 1)[-1]}/orders-fn"
    assert who.user_id.startswith("AROA") and who.user_id.endswith(":orders-fn")
    assert who.role_arn == role
    identity = Principal("ASIAI", "s", "identity", "t", role_arn=role, subject="us-east-1:x")
    assert caller_identity(identity, ACCOUNT).arn.endswith("/CognitoIdentityCredentials")


def test_the_callers_arn_alone_is_the_one_of_its_full_identity() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/path/r-{uuid.uuid4().hex[:6]}"
    principals = [
        Principal("AKIAROOT", "s", "root"),
        Principal("AKIAU", "s", "user", user_arn=f"arn:aws:iam::{ACCOUNT}:user/ops/ana"),
        Principal("ASIAR", "s", "role", "t", role_arn=role, session_name="deploy"),
        Principal("ASIAF", "s", "function", "t", role_arn=role, subject="orders-fn"),
        Principal("ASIAI", "s", "identity", "t", role_arn=role, subject="us-east-1:x"),
        Principal("ASIAX", "s", "role", "t", role_arn="not-an-arn"),
    ]
    for principal in principals:
        assert caller_arn(principal, ACCOUNT) == caller_identity(principal, ACCOUNT).arn


def test_principal_context_names_users_and_sessions_for_policy_variables() -> None:
    user = Principal(
        "AKIAU",
        "s",
        "user",
        user_arn=f"arn:aws:iam::{ACCOUNT}:user/ops/ana",
        user_id="AIDAEXAMPLE",
        subject="ana",
        principal_tags={"team": "blue"},
    )
    context = principal_context(user, ACCOUNT)
    assert context["aws:username"] == "ana"
    assert context["aws:PrincipalType"] == "User"
    assert context["aws:PrincipalArn"] == f"arn:aws:iam::{ACCOUNT}:user/ops/ana"
    assert context["aws:PrincipalTag/team"] == "blue"
    assert "aws:TokenIssueTime" not in context
    role = f"arn:aws:iam::{ACCOUNT}:role/r"
    session = Principal(
        "ASIAS", "s", "role", "tok", role_arn=role, session_name="s1", issued_at=0.0
    )
    context = principal_context(session, ACCOUNT)
    assert context["aws:PrincipalArn"] == role  # the role's ARN, not the session's
    assert context["aws:PrincipalType"] == "AssumedRole"
    assert context["aws:userid"].endswith(":s1")
    assert context["aws:TokenIssueTime"] == "1970-01-01T00:00:00Z"
    assert "aws:username" not in context
