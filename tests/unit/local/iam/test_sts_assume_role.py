"""AssumeRole: the role's trust policy decides (principal, ExternalId, tags, account
delegation), durations are bounded, and the session carries the role's live policies plus
any session policies, tags and source identity."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sts_rig import ACCOUNT, Rig, allow, trust, user_keys

from stratus.local.iam.credentials import CredentialStore

ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def _role(rig: Rig, *statements: dict[str, Any], max_session: int = 3600) -> str:
    name = f"role-{uuid.uuid4().hex[:8]}"
    arn: str = rig.iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=trust(*statements),
        MaxSessionDuration=max_session,
        Tags=[{"Key": "team", "Value": "blue"}],
    )["Role"]["Arn"]
    rig.iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=allow("s3:GetObject"))
    return arn


def _trusts(
    principal: Any, action: str | list[str] = "sts:AssumeRole", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, **extra}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_assumed_role_keys_are_the_role_session(rig: Rig) -> None:
    arn = _role(rig, _trusts({"AWS": ROOT}))
    result = rig.sts().assume_role(RoleArn=arn, RoleSessionName="deploy-1")
    creds = result["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"]
    name = arn.rsplit("/", 1)[-1]
    role_id = rig.iam.get_role(RoleName=name)["Role"]["RoleId"]
    assert result["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role_id}:deploy-1",
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/deploy-1",
    }
    who = rig.sts(creds).get_caller_identity()
    assert who["Arn"] == result["AssumedRoleUser"]["Arn"]
    assert who["UserId"] == f"{role_id}:deploy-1"
    principal = rig.store.lookup(creds["AccessKeyId"])
    assert principal is not None and principal.kind == "role" and principal.role_arn == arn
    assert principal.principal_tags == {"team": "blue"}
    assert principal.session_policies is None


def test_a_trust_policy_that_names_someone_else_refuses_in_sts_words(rig: Rig) -> None:
    other = f"arn:aws:iam::{ACCOUNT}:user/someone-else"
    arn = _role(rig, _trusts({"AWS": other}))
    creds = user_keys(rig, f"intruder-{uuid.uuid4().hex[:6]}")
    who = rig.sts(creds).get_caller_identity()["Arn"]
    with pytest.raises(ClientError) as exc:
        rig.sts(creds).assume_role(RoleArn=arn, RoleSessionName="x1")
    assert _error(exc) == (
        "AccessDenied",
        f"User: {who} is not authorized to perform: sts:AssumeRole on resource: {arn}",
    )
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_missing_role_is_refused_like_an_untrusted_one(rig: Rig) -> None:
    with pytest.raises(ClientError) as exc:
        rig.sts().assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/no-such", RoleSessionName="x1")
    assert _error(exc)[0] == "AccessDenied"


def test_external_id_must_match_the_condition(rig: Rig) -> None:
    arn = _role(
        rig, _trusts({"AWS": ROOT}, Condition={"StringEquals": {"sts:ExternalId": "partner-42"}})
    )
    for extra in ({}, {"ExternalId": "partner-41"}):
        with pytest.raises(ClientError) as exc:
            rig.sts().assume_role(RoleArn=arn, RoleSessionName="ext", **extra)
        assert _error(exc)[0] == "AccessDenied"
    assert rig.sts().assume_role(RoleArn=arn, RoleSessionName="ext", ExternalId="partner-42")


def test_an_account_principal_needs_the_callers_own_permission(rig: Rig) -> None:
    arn = _role(rig, _trusts({"AWS": ACCOUNT}))
    name = f"operator-{uuid.uuid4().hex[:6]}"
    creds = user_keys(rig, name)
    with pytest.raises(ClientError) as exc:
        rig.sts(creds).assume_role(RoleArn=arn, RoleSessionName="op")
    assert _error(exc)[0] == "AccessDenied"
    rig.iam.put_user_policy(
        UserName=name, PolicyName="a", PolicyDocument=allow("sts:AssumeRole", arn)
    )
    assert rig.sts(creds).assume_role(RoleArn=arn, RoleSessionName="op")["Credentials"]


def test_a_trust_policy_naming_the_user_needs_no_identity_policy(rig: Rig) -> None:
    name = f"named-{uuid.uuid4().hex[:6]}"
    creds = user_keys(rig, name)
    arn = _role(rig, _trusts({"AWS": f"arn:aws:iam::{ACCOUNT}:user/{name}"}))
    assert rig.sts(creds).assume_role(RoleArn=arn, RoleSessionName="n1")["Credentials"]


def test_an_explicit_deny_in_the_trust_policy_wins(rig: Rig) -> None:
    arn = _role(
        rig,
        _trusts({"AWS": ROOT}),
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:RoleSessionName": "blocked"}},
        },
    )
    assert rig.sts().assume_role(RoleArn=arn, RoleSessionName="fine")
    with pytest.raises(ClientError) as exc:
        rig.sts().assume_role(RoleArn=arn, RoleSessionName="blocked")
    assert _error(exc)[0] == "AccessDenied"


def test_durations_are_bounded_by_the_role_and_by_chaining(rig: Rig) -> None:
    arn = _role(rig, _trusts({"AWS": ROOT}), max_session=7200)
    with pytest.raises(ClientError) as exc:
        rig.sts().assume_role(RoleArn=arn, RoleSessionName="long", DurationSeconds=7201)
    assert _error(exc) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    unvalidated = rig.sts(parameter_validation=False)
    with pytest.raises(ClientError) as exc:
        unvalidated.assume_role(RoleArn=arn, RoleSessionName="short", DurationSeconds=899)
    assert _error(exc)[0] == "ValidationError"
    assert "greater than or equal to 900" in _error(exc)[1]
    first = rig.sts().assume_role(RoleArn=arn, RoleSessionName="aa", DurationSeconds=7200)
    second = _role(rig, _trusts({"AWS": arn}), max_session=7200)
    with pytest.raises(ClientError) as exc:
        rig.sts(first["Credentials"]).assume_role(
            RoleArn=second, RoleSessionName="bb", DurationSeconds=3601
        )
    assert "role chaining" in _error(exc)[1]
    chained = rig.sts(first["Credentials"]).assume_role(RoleArn=second, RoleSessionName="bb")
    assert chained["AssumedRoleUser"]["Arn"].endswith("/bb")


def test_bad_session_names_are_validation_errors(rig: Rig) -> None:
    arn = _role(rig, _trusts({"AWS": ROOT}))
    with pytest.raises(ClientError) as exc:
        rig.sts().assume_role(RoleArn=arn, RoleSessionName="has space")
    assert _error(exc)[0] == "ValidationError"


def test_session_policies_are_kept_apart_for_the_intersection(rig: Rig) -> None:
    arn = _role(rig, _trusts({"AWS": ROOT}))
    managed = rig.iam.create_policy(
        PolicyName=f"narrow-{uuid.uuid4().hex[:6]}", PolicyDocument=allow("s3:ListBucket")
    )["Policy"]["Arn"]
    inline = json.loads(allow("s3:GetObject", "arn:aws:s3:::one/*"))
    creds = rig.sts().assume_role(
        RoleArn=arn,
        RoleSessionName="narrow",
        Policy=json.dumps(inline),
        PolicyArns=[{"arn": managed}],
    )["Credentials"]
    principal = rig.store.lookup(creds["AccessKeyId"])
    assert principal is not None and principal.session_policies is not None
    assert principal.session_policies[0] == inline
    assert principal.session_policies[1]["Statement"][0]["Action"] == "s3:ListBucket"
    sets = principal.policy_sets()
    assert sets is not None and len(sets) == 2
    with pytest.raises(ClientError) as exc:
        rig.sts().assume_role(RoleArn=arn, RoleSessionName="bad", Policy="{not json")
    assert _error(exc)[0] == "MalformedPolicyDocument"


def test_session_tags_need_tag_session_in_the_trust_policy(rig: Rig) -> None:
    plain = _role(rig, _trusts({"AWS": ROOT}))
    tags = [{"Key": "project", "Value": "apollo"}, {"Key": "team", "Value": "red"}]
    with pytest.raises(ClientError) as exc:
        rig.sts().assume_role(RoleArn=plain, RoleSessionName="tt", Tags=tags)
    assert "sts:TagSession" in _error(exc)[1]
    tagging = _role(rig, _trusts({"AWS": ROOT}, ["sts:AssumeRole", "sts:TagSession"]))
    creds = rig.sts().assume_role(
        RoleArn=tagging, RoleSessionName="tt", Tags=tags, TransitiveTagKeys=["project"]
    )["Credentials"]
    principal = rig.store.lookup(creds["AccessKeyId"])
    assert principal is not None
    assert principal.principal_tags == {"project": "apollo", "team": "red"}  # session > role
    assert principal.transitive_tag_keys == ["project"]


def test_source_identity_needs_set_source_identity_and_sticks(rig: Rig) -> None:
    arn = _role(rig, _trusts({"AWS": ROOT}, ["sts:AssumeRole", "sts:SetSourceIdentity"]))
    result = rig.sts().assume_role(RoleArn=arn, RoleSessionName="ss", SourceIdentity="alice")
    assert result["SourceIdentity"] == "alice"
    principal = rig.store.lookup(result["Credentials"]["AccessKeyId"])
    assert principal is not None and principal.source_identity == "alice"


def test_role_policy_changes_reach_sessions_and_survive_a_restart(rig: Rig) -> None:
    arn = _role(rig, _trusts({"AWS": ROOT}))
    creds = rig.sts().assume_role(RoleArn=arn, RoleSessionName="live")["Credentials"]
    rig.iam.put_role_policy(
        RoleName=arn.rsplit("/", 1)[-1], PolicyName="more", PolicyDocument=allow("sqs:*")
    )
    principal = rig.store.lookup(creds["AccessKeyId"])
    assert principal is not None and principal.policies is not None
    actions = {s["Action"] for p in principal.policies for s in p["Statement"]}
    assert actions == {"s3:GetObject", "sqs:*"}
    restarted = CredentialStore(rig.store._path)
    again = restarted.lookup(creds["AccessKeyId"])
    assert again is not None and again.session_name == "live" and again.role_arn == arn
    assert again.secret_access_key == creds["SecretAccessKey"]


def test_the_callers_own_explicit_deny_refuses_even_a_trust_naming_it(rig: Rig) -> None:
    name = f"denied-{uuid.uuid4().hex[:6]}"
    creds = user_keys(rig, name)
    arn = _role(rig, _trusts({"AWS": f"arn:aws:iam::{ACCOUNT}:user/{name}"}))
    deny = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": arn}],
        }
    )
    rig.iam.put_user_policy(UserName=name, PolicyName="no", PolicyDocument=deny)
    with pytest.raises(ClientError) as exc:
        rig.sts(creds).assume_role(RoleArn=arn, RoleSessionName="d1")
    assert _error(exc)[0] == "AccessDenied"


def test_a_role_created_again_under_its_name_is_named_by_its_new_id(rig: Rig) -> None:
    arn = _role(rig, _trusts({"AWS": ROOT}))
    name = arn.rsplit("/", 1)[-1]
    first = rig.sts().assume_role(RoleArn=arn, RoleSessionName="s1")["AssumedRoleUser"]
    assert first["AssumedRoleId"].startswith(rig.iam.get_role(RoleName=name)["Role"]["RoleId"])
    rig.iam.delete_role_policy(RoleName=name, PolicyName="read")
    rig.iam.delete_role(RoleName=name)
    again = _role_named(rig, name, _trusts({"AWS": ROOT}))
    assert again == arn
    new_id = rig.iam.get_role(RoleName=name)["Role"]["RoleId"]
    second = rig.sts().assume_role(RoleArn=arn, RoleSessionName="s1")["AssumedRoleUser"]
    assert second["AssumedRoleId"] == f"{new_id}:s1" != first["AssumedRoleId"]


def _role_named(rig: Rig, name: str, *statements: dict[str, Any]) -> str:
    role = rig.iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(*statements))
    return str(role["Role"]["Arn"])
