"""Trust-policy principals as IAM matches them: anyone, an account (delegating to the
caller's own policies), a user or role ARN, a federated provider, NotPrincipal; Deny wins."""

from __future__ import annotations

from typing import Any

from stratus.local.iam.trust import TrustCaller, evaluate_trust

ACCOUNT = "000000000000"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/target"
USER = TrustCaller(arn=f"arn:aws:iam::{ACCOUNT}:user/ana", account=ACCOUNT)
SESSION = TrustCaller(
    arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/ops/s1",
    account=ACCOUNT,
    role_arn=f"arn:aws:iam::{ACCOUNT}:role/ops",
)


def _decide(caller: TrustCaller, *statements: dict[str, Any], context: Any = None) -> Any:
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    return evaluate_trust(policy, caller, "sts:AssumeRole", ROLE, context or {})


def _allow(principal: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


def test_account_principal_delegates_to_the_callers_policies() -> None:
    for name in (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"):
        decision = _decide(USER, _allow({"AWS": name}))
        assert decision.allowed and decision.needs_identity_allow


def test_a_named_user_or_role_is_trusted_directly() -> None:
    assert not _decide(USER, _allow({"AWS": USER.arn})).needs_identity_allow
    assert _decide(USER, _allow({"AWS": [USER.arn]})).allowed
    assert _decide(SESSION, _allow({"AWS": SESSION.role_arn})).allowed
    assert _decide(SESSION, _allow({"AWS": SESSION.arn})).allowed
    assert not _decide(USER, _allow({"AWS": SESSION.role_arn})).allowed


def test_services_and_other_accounts_never_match_an_api_caller() -> None:
    assert not _decide(USER, _allow({"Service": "lambda.amazonaws.com"})).allowed
    assert not _decide(USER, _allow({"AWS": "111111111111"})).allowed


def test_anyone_and_not_principal() -> None:
    assert _decide(USER, _allow("*")).allowed
    assert _decide(USER, _allow({"AWS": "*"})).allowed
    deny_others = {"Effect": "Deny", "NotPrincipal": {"AWS": USER.arn}, "Action": "sts:*"}
    assert _decide(USER, _allow("*"), deny_others).allowed
    assert _decide(SESSION, _allow("*"), deny_others).explicit_deny


def test_a_federated_caller_matches_only_its_provider() -> None:
    web = TrustCaller(federated=f"arn:aws:iam::{ACCOUNT}:oidc-provider/idp.example.com")
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": web.federated},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    policy = {"Statement": [statement]}
    assert evaluate_trust(policy, web, "sts:AssumeRoleWithWebIdentity", ROLE, {}).allowed
    assert not evaluate_trust(policy, web, "sts:AssumeRole", ROLE, {}).allowed
    assert not evaluate_trust(policy, USER, "sts:AssumeRoleWithWebIdentity", ROLE, {}).allowed


def test_conditions_apply_to_the_matching_statement() -> None:
    statement = _allow(
        {"AWS": USER.arn}, Condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}
    )
    assert not _decide(USER, statement).allowed
    assert _decide(USER, statement, context={"aws:PrincipalTag/team": "blue"}).allowed
