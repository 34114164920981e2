"""The local IAM evaluator decides like IAM: deny wins, variables resolve, conditions bind."""

from __future__ import annotations

from typing import Any

import pytest

from stratus.local.iam.policy import evaluate

SUB = "cognito-identity.amazonaws.com:sub"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


OWN_FOLDER = policy(
    allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::files/private/${" + SUB + "}/*"),
    allow(
        "s3:ListBucket",
        "arn:aws:s3:::files",
        Condition={
            "StringLike": {"s3:prefix": ["private/${" + SUB + "}/*", "private/${" + SUB + "}"]}
        },
    ),
)


def test_own_folder_is_allowed_and_other_folder_is_implicitly_denied() -> None:
    ctx = {SUB: "us-east-1:aaa"}
    assert evaluate(
        [OWN_FOLDER], "s3:PutObject", "arn:aws:s3:::files/private/us-east-1:aaa/x.png", ctx
    ).allowed
    other = evaluate(
        [OWN_FOLDER], "s3:PutObject", "arn:aws:s3:::files/private/us-east-1:bbb/x.png", ctx
    )
    assert not other.allowed
    assert not other.explicit_deny
    assert "no identity-based policy allows the s3:PutObject action" in other.reason


def test_missing_policy_variable_makes_statement_not_apply() -> None:
    decision = evaluate([OWN_FOLDER], "s3:GetObject", "arn:aws:s3:::files/private/x/y", {})
    assert not decision.allowed


def test_list_condition_requires_prefix_key() -> None:
    ctx = {SUB: "u1"}
    assert evaluate(
        [OWN_FOLDER], "s3:ListBucket", "arn:aws:s3:::files", {**ctx, "s3:prefix": "private/u1/"}
    ).allowed
    assert not evaluate([OWN_FOLDER], "s3:ListBucket", "arn:aws:s3:::files", ctx).allowed
    assert not evaluate(
        [OWN_FOLDER], "s3:ListBucket", "arn:aws:s3:::files", {**ctx, "s3:prefix": "private/u2/"}
    ).allowed


def test_explicit_deny_beats_allow() -> None:
    policies = [
        policy(allow("s3:*", "*")),
        policy(
            {
                "Effect": "Deny",
                "Action": "s3:DeleteObject",
                "Resource": "arn:aws:s3:::b/*",
                "Sid": "NoDelete",
            }
        ),
    ]
    decision = evaluate(policies, "s3:DeleteObject", "arn:aws:s3:::b/k", {})
    assert not decision.allowed and decision.explicit_deny
    assert "NoDelete" in decision.reason
    assert evaluate(policies, "s3:GetObject", "arn:aws:s3:::b/k", {}).allowed


def test_statement_may_be_a_single_dict() -> None:
    single = {"Version": "2012-10-17", "Statement": allow("s3:GetObject", "arn:aws:s3:::b/*")}
    assert evaluate([single], "s3:GetObject", "arn:aws:s3:::b/k", {}).allowed


def test_action_match_is_case_insensitive_with_wildcards() -> None:
    p = policy(allow("S3:get*", "*"), allow("s3:Put?bject", "*"))
    assert evaluate([p], "s3:GetObjectTagging", "x", {}).allowed
    assert evaluate([p], "s3:PutObject", "x", {}).allowed
    assert not evaluate([p], "s3:PutObjectAcl", "x", {}).allowed


def test_resource_match_is_case_sensitive_and_dot_is_literal() -> None:
    p = policy(allow("s3:GetObject", "arn:aws:s3:::b/a.txt"))
    assert evaluate([p], "s3:GetObject", "arn:aws:s3:::b/a.txt", {}).allowed
    assert not evaluate([p], "s3:GetObject", "arn:aws:s3:::b/aXtxt", {}).allowed
    assert not evaluate([p], "s3:GetObject", "arn:aws:s3:::b/A.txt", {}).allowed


def test_not_action_and_not_resource() -> None:
    p = policy(
        {"Effect": "Allow", "NotAction": "s3:Delete*", "NotResource": "arn:aws:s3:::secret/*"}
    )
    assert evaluate([p], "s3:GetObject", "arn:aws:s3:::b/k", {}).allowed
    assert not evaluate([p], "s3:DeleteObject", "arn:aws:s3:::b/k", {}).allowed
    assert not evaluate([p], "s3:GetObject", "arn:aws:s3:::secret/k", {}).allowed


def test_principal_tag_and_username_variables() -> None:
    p = policy(
        allow("s3:GetObject", "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"),
        allow("s3:PutObject", "arn:aws:s3:::b/home/${aws:username}/*"),
    )
    ctx = {"aws:PrincipalTag/team": "blue", "aws:username": "ann"}
    assert evaluate([p], "s3:GetObject", "arn:aws:s3:::b/blue/k", ctx).allowed
    assert not evaluate([p], "s3:GetObject", "arn:aws:s3:::b/red/k", ctx).allowed
    assert evaluate([p], "s3:PutObject", "arn:aws:s3:::b/home/ann/k", ctx).allowed


def test_substituted_value_is_literal_not_a_wildcard() -> None:
    p = policy(allow("s3:GetObject", "arn:aws:s3:::b/${aws:PrincipalTag/team}/k"))
    assert not evaluate(
        [p], "s3:GetObject", "arn:aws:s3:::b/blue/k", {"aws:PrincipalTag/team": "*"}
    ).allowed


def test_escape_variables_are_literal_characters() -> None:
    p = policy(allow("s3:GetObject", "arn:aws:s3:::b/${*}${?}${$}"))
    assert evaluate([p], "s3:GetObject", "arn:aws:s3:::b/*?$", {}).allowed
    assert not evaluate([p], "s3:GetObject", "arn:aws:s3:::b/xy$", {}).allowed


def test_variable_default_value() -> None:
    p = policy(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username, 'guest'}/*"))
    assert evaluate([p], "s3:GetObject", "arn:aws:s3:::b/guest/k", {}).allowed


def test_context_keys_are_case_insensitive() -> None:
    p = policy(
        allow("s3:GetObject", "*", Condition={"StringEquals": {"AWS:PrincipalTag/Team": "blue"}})
    )
    assert evaluate([p], "s3:GetObject", "x", {"aws:principaltag/team": "blue"}).allowed


@pytest.mark.parametrize(
    ("operator", "expected", "actual", "result"),
    [
        ("StringEquals", "abc", "abc", True),
        ("StringEquals", "abc", "ABC", False),
        ("StringNotEquals", "abc", "abd", True),
        ("StringNotEquals", ["a", "b"], "b", False),
        ("StringEqualsIgnoreCase", "abc", "ABC", True),
        ("StringNotEqualsIgnoreCase", "abc", "ABC", False),
        ("StringLike", "img/*.png", "img/a.png", True),
        ("StringLike", "img/?.png", "img/ab.png", False),
        ("StringNotLike", "tmp/*", "img/a", True),
        ("ArnLike", "arn:aws:iam::*:role/app-*", "arn:aws:iam::1:role/app-x", True),
        ("ArnEquals", "arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b", False),
        ("ArnNotLike", "arn:aws:iam::*:role/app-*", "arn:aws:iam::1:role/x", True),
        ("Bool", "false", "false", True),
        ("Bool", True, "false", False),
        ("NumericEquals", "10", "10.0", True),
        ("NumericLessThan", "10", "9", True),
        ("NumericLessThanEquals", "10", "11", False),
        ("NumericGreaterThan", "10", "11", True),
        ("NumericGreaterThanEquals", "10", "10", True),
        ("NumericNotEquals", "10", "11", True),
        ("NumericEquals", "10", "ten", False),
        ("DateLessThan", "2030-01-01T00:00:00Z", "2026-05-01T00:00:00Z", True),
        ("DateGreaterThan", "2030-01-01T00:00:00Z", "2026-05-01T00:00:00Z", False),
        ("IpAddress", "127.0.0.0/8", "127.0.0.1", True),
        ("IpAddress", "10.0.0.0/8", "127.0.0.1", False),
        ("NotIpAddress", "10.0.0.0/8", "127.0.0.1", True),
    ],
)
def test_condition_operators(operator: str, expected: Any, actual: str, result: bool) -> None:
    p = policy(allow("s3:GetObject", "*", Condition={operator: {"k": expected}}))
    assert evaluate([p], "s3:GetObject", "x", {"k": actual}).allowed is result


@pytest.mark.parametrize(
    ("operator", "result"),
    [
        ("StringEquals", False),
        ("StringLike", False),
        ("StringNotEquals", True),  # negated operators hold when the key is absent
        ("StringEqualsIfExists", True),
        ("NumericLessThanIfExists", True),
        ("ForAllValues:StringEquals", True),
        ("ForAnyValue:StringEquals", False),
    ],
)
def test_missing_context_key(operator: str, result: bool) -> None:
    p = policy(allow("s3:GetObject", "*", Condition={operator: {"k": "v"}}))
    assert evaluate([p], "s3:GetObject", "x", {}).allowed is result


def test_if_exists_still_checks_a_present_key() -> None:
    p = policy(allow("s3:GetObject", "*", Condition={"StringEqualsIfExists": {"k": "v"}}))
    assert not evaluate([p], "s3:GetObject", "x", {"k": "w"}).allowed


def test_null_operator() -> None:
    absent = policy(allow("s3:GetObject", "*", Condition={"Null": {"k": "true"}}))
    present = policy(allow("s3:GetObject", "*", Condition={"Null": {"k": "false"}}))
    assert evaluate([absent], "s3:GetObject", "x", {}).allowed
    assert not evaluate([absent], "s3:GetObject", "x", {"k": "v"}).allowed
    assert evaluate([present], "s3:GetObject", "x", {"k": "v"}).allowed


def test_set_operators_on_multivalued_keys() -> None:
    any_p = policy(
        allow("s3:GetObject", "*", Condition={"ForAnyValue:StringEquals": {"tags": ["a", "b"]}})
    )
    all_p = policy(
        allow("s3:GetObject", "*", Condition={"ForAllValues:StringEquals": {"tags": ["a", "b"]}})
    )
    assert evaluate([any_p], "s3:GetObject", "x", {"tags": ["z", "b"]}).allowed
    assert not evaluate([any_p], "s3:GetObject", "x", {"tags": ["z"]}).allowed
    assert evaluate([all_p], "s3:GetObject", "x", {"tags": ["a", "b"]}).allowed
    assert not evaluate([all_p], "s3:GetObject", "x", {"tags": ["a", "z"]}).allowed


def test_all_condition_blocks_must_hold() -> None:
    p = policy(
        allow(
            "s3:GetObject",
            "*",
            Condition={
                "StringEquals": {"a": "1", "b": "2"},
                "Bool": {"aws:SecureTransport": "false"},
            },
        )
    )
    assert evaluate(
        [p], "s3:GetObject", "x", {"a": "1", "b": "2", "aws:SecureTransport": "false"}
    ).allowed
    assert not evaluate(
        [p], "s3:GetObject", "x", {"a": "1", "b": "3", "aws:SecureTransport": "false"}
    ).allowed


def test_failed_condition_on_allow_does_not_deny_other_statements() -> None:
    # moto's evaluator turns this into a DENY; IAM just skips the statement.
    p = policy(
        allow("s3:GetObject", "*", Condition={"StringEquals": {"k": "nope"}}),
        allow("s3:GetObject", "*"),
    )
    assert evaluate([p], "s3:GetObject", "x", {"k": "v"}).allowed


def test_condition_values_resolve_policy_variables() -> None:
    p = policy(
        allow(
            "s3:GetObject",
            "*",
            Condition={"StringEquals": {"s3:prefix": "${aws:PrincipalTag/sub}"}},
        )
    )
    assert evaluate(
        [p], "s3:GetObject", "x", {"s3:prefix": "u1", "aws:PrincipalTag/sub": "u1"}
    ).allowed
    assert not evaluate(
        [p], "s3:GetObject", "x", {"s3:prefix": "u2", "aws:PrincipalTag/sub": "u1"}
    ).allowed


def test_unknown_operator_never_grants() -> None:
    p = policy(allow("s3:GetObject", "*", Condition={"StringSortOf": {"k": "v"}}))
    assert not evaluate([p], "s3:GetObject", "x", {"k": "v"}).allowed


def test_no_policies_is_implicit_deny() -> None:
    decision = evaluate([], "s3:GetObject", "arn:aws:s3:::b/k", {})
    assert not decision.allowed and not decision.explicit_deny
