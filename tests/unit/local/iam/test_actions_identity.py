"""Cognito, STS and IAM requests -> IAM checks, and the calls IAM does not authorize."""

from __future__ import annotations

from tests.unit.local.iam.calls import ACCOUNT, arn, needs_of

from stratus.local.iam.actions import Need, is_unauthenticated

POOL_ID = "us-east-1_AbCdEf123"
POOL = arn("cognito-idp", f"userpool/{POOL_ID}")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/todo-auth"


def test_user_pool_admin_calls_act_on_the_pool() -> None:
    assert needs_of("cognito-idp", "list_users", UserPoolId=POOL_ID) == [
        Need("cognito-idp:ListUsers", POOL)
    ]
    assert needs_of("cognito-idp", "admin_get_user", UserPoolId=POOL_ID, Username="u") == [
        Need("cognito-idp:AdminGetUser", POOL)
    ]
    assert needs_of("cognito-idp", "admin_create_user", UserPoolId=POOL_ID, Username="u") == [
        Need("cognito-idp:AdminCreateUser", POOL)
    ]
    assert needs_of("cognito-idp", "list_user_pools", MaxResults=5) == [
        Need("cognito-idp:ListUserPools", "*")
    ]


def test_token_and_unauthenticated_cognito_calls_need_nothing() -> None:
    token = "eyJ.x.y"
    assert needs_of("cognito-idp", "get_user", AccessToken=token) == []
    assert needs_of(
        "cognito-idp", "change_password", AccessToken=token, PreviousPassword="a1!Aaaaa",
        ProposedPassword="b1!Bbbbb",
    ) == []  # fmt: skip
    assert needs_of("cognito-idp", "global_sign_out", AccessToken=token) == []
    assert needs_of(
        "cognito-idp", "initiate_auth", ClientId="c", AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": "u", "SRP_A": "1"},
    ) == []  # fmt: skip
    assert needs_of("cognito-idp", "sign_up", ClientId="c", Username="u", Password="p") == []
    assert needs_of("cognito-identity", "get_id", IdentityPoolId="us-east-1:abc") == []
    assert (
        needs_of("cognito-identity", "get_credentials_for_identity", IdentityId="us-east-1:id")
        == []
    )


def test_is_unauthenticated_reads_the_models() -> None:
    for service, operation in (
        ("cognito-idp", "RespondToAuthChallenge"),
        ("cognito-idp", "GetUser"),
        ("cognito-idp", "ConfirmForgotPassword"),
        ("cognito-identity", "GetOpenIdToken"),
        ("sts", "AssumeRoleWithWebIdentity"),
    ):
        assert is_unauthenticated(service, operation), operation
    negatives: list[tuple[str | None, str | None]] = [
        ("cognito-idp", "AdminInitiateAuth"),
        ("cognito-idp", "ListUsers"),
        ("sts", "AssumeRole"),
        ("sts", "GetCallerIdentity"),  # signed; needs no permission, but is authenticated
        ("dynamodb", "Scan"),
        ("no-such-service", "Anything"),
        (None, None),
    ]
    for other_service, other_operation in negatives:
        assert not is_unauthenticated(other_service, other_operation), other_operation


def test_identity_pool_management_acts_on_the_pool() -> None:
    pool = "us-east-1:0f5a0ed8-2d0c-4d6e-8a4c-1d2b3c4d5e6f"
    assert needs_of("cognito-identity", "describe_identity_pool", IdentityPoolId=pool) == [
        Need(
            "cognito-identity:DescribeIdentityPool", arn("cognito-identity", f"identitypool/{pool}")
        )
    ]


def test_sts_caller_identity_needs_no_permission_and_assume_role_the_role() -> None:
    assert needs_of("sts", "get_caller_identity") == []
    assert needs_of("sts", "get_session_token") == []
    found = needs_of(
        "sts",
        "assume_role",
        RoleArn=ROLE,
        RoleSessionName="worker",
        Tags=[{"Key": "team", "Value": "shop"}],
        SourceIdentity="alice",
    )
    ctx = {"sts:RoleSessionName": "worker", "sts:SourceIdentity": "alice"}
    assert found == [
        Need("sts:AssumeRole", ROLE, ctx),
        Need("sts:TagSession", ROLE, {"aws:TagKeys": ["team"]}),
        Need("sts:SetSourceIdentity", ROLE, {"sts:SourceIdentity": "alice"}),
    ]


def test_iam_roles_users_and_policies() -> None:
    assert needs_of("iam", "get_role", RoleName="todo-auth") == [Need("iam:GetRole", ROLE)]
    policy = f"arn:aws:iam::{ACCOUNT}:policy/read-todos"
    assert needs_of("iam", "attach_role_policy", RoleName="todo-auth", PolicyArn=policy) == [
        Need("iam:AttachRolePolicy", ROLE, {"iam:PolicyARN": policy})
    ]
    assert needs_of(
        "iam", "create_role", RoleName="r", Path="/service/", AssumeRolePolicyDocument="{}"
    ) == [Need("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/service/r")]
    assert needs_of("iam", "create_policy", PolicyName="read-todos", PolicyDocument="{}") == [
        Need("iam:CreatePolicy", policy)
    ]
    assert needs_of("iam", "get_user", UserName="dev") == [
        Need("iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/dev")
    ]
    assert needs_of("iam", "list_roles") == [Need("iam:ListRoles", "*")]


def test_iam_membership_calls_act_on_the_container() -> None:
    assert needs_of("iam", "add_user_to_group", GroupName="devs", UserName="dev") == [
        Need("iam:AddUserToGroup", f"arn:aws:iam::{ACCOUNT}:group/devs")
    ]
    assert needs_of(
        "iam", "add_role_to_instance_profile", InstanceProfileName="web", RoleName="todo-auth"
    ) == [Need("iam:AddRoleToInstanceProfile", f"arn:aws:iam::{ACCOUNT}:instance-profile/web")]
