"""The caller's ARN, unique id and account, exactly as AWS forms them.

STS's GetCallerIdentity answers these, and every "User: <arn> is not authorized" message
names the ARN, so there is one function for all of them. The values are AWS's `aws:userid`
and `aws:PrincipalArn` per kind of principal
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable,
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html):

- the account root (the local `test`/`test` keys): `arn:aws:iam::<acct>:root`, UserId = the
  account id;
- an IAM user (and its GetSessionToken sessions): `arn:aws:iam::<acct>:user/<path>/<name>`,
  UserId = the user's unique id (AIDA...);
- a role session: `arn:aws:sts::<acct>:assumed-role/<role name>/<session name>`, UserId =
  `<role id>:<session name>`, where a Lambda function's session is named after the function
  and an identity-pool user's `CognitoIdentityCredentials`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.iam.credentials import Principal

IDENTITY_POOL_SESSION = "CognitoIdentityCredentials"
_PRINCIPAL_TYPES = {"root": "Account", "user": "User"}  # every other kind: a role session


@dataclass(frozen=True)
class CallerIdentity:
    arn: str
    user_id: str
    account: str
    # The role's ARN for a role session (a trust or resource policy may name either).
    role_arn: str | None = None


def role_id_of(role_arn: str) -> str:
    """The role's unique id: IAM's own (moto's RoleId) when IAM has the role, else one
    derived from the ARN ("AROA" + 17 characters), as stable as AWS's."""
    from stratus.local.iam.directory import MotoIamDirectory

    role_id = MotoIamDirectory(_account_of(role_arn)).role_id(role_arn)
    if role_id is not None:
        return role_id
    digest = hashlib.sha256(role_arn.encode()).hexdigest().upper()
    return "AROA" + "".join(c for c in digest if c.isalnum())[:17]


def session_name_of(principal: Principal) -> str:
    if principal.kind == "identity":
        return IDENTITY_POOL_SESSION
    return principal.session_name or principal.subject or "session"


def caller_identity(principal: Principal, account: str = ACCOUNT_ID) -> CallerIdentity:
    """Who `principal` is, in AWS's words."""
    if principal.kind == "user" and principal.user_arn:
        return CallerIdentity(
            principal.user_arn,
            principal.user_id or principal.access_key_id,
            _account_of(principal.user_arn) or account,
        )
    session = _role_session(principal, account)
    if session is None:
        return CallerIdentity(f"arn:aws:iam::{account}:root", account, account)
    role, role_account, role_name, session_name = session
    return CallerIdentity(
        _assumed_role_arn(role_account, role_name, session_name),
        f"{role_id_of(role)}:{session_name}",
        role_account,
        role,
    )


def caller_arn(principal: Principal, account: str = ACCOUNT_ID) -> str:
    """`caller_identity(principal, account).arn` without the role's unique id, which takes a
    lookup in IAM: what a denial message and a policy's principal names need, per call."""
    if principal.kind == "user" and principal.user_arn:
        return principal.user_arn
    session = _role_session(principal, account)
    if session is None:
        return f"arn:aws:iam::{account}:root"
    _, role_account, role_name, session_name = session
    return _assumed_role_arn(role_account, role_name, session_name)


def _role_session(principal: Principal, account: str) -> tuple[str, str, str, str] | None:
    """(role ARN, its account, role name, session name) of a role session, else None."""
    role = principal.role_arn or ""
    parts = role.split(":")
    if principal.kind == "root" or len(parts) < 6 or not parts[5].startswith("role/"):
        return None
    return role, parts[4] or account, parts[5].rsplit("/", 1)[-1], session_name_of(principal)


def _assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else ACCOUNT_ID


def principal_context(principal: Principal, account: str = ACCOUNT_ID) -> dict[str, str]:
    """The global condition keys that describe the caller, for any policy evaluation
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
    aws:PrincipalArn (a role session's is its role's ARN), PrincipalAccount, PrincipalType,
    userid, username (IAM users), PrincipalTag/*, TokenIssueTime and MultiFactorAuthPresent
    (temporary credentials), SourceIdentity, and an identity-pool user's
    cognito-identity.amazonaws.com:sub / :amr."""
    who = caller_identity(principal, account)
    context = {
        "aws:PrincipalArn": who.role_arn or who.arn,
        "aws:PrincipalAccount": who.account,
        "aws:PrincipalType": _PRINCIPAL_TYPES.get(principal.kind, "AssumedRole"),
        "aws:userid": who.user_id,
    }
    if principal.kind == "user" and principal.subject:
        context["aws:username"] = principal.subject
    for key, value in principal.principal_tags.items():
        context[f"aws:PrincipalTag/{key}"] = value
    if principal.session_token is not None:
        context["aws:MultiFactorAuthPresent"] = "false"
        if principal.issued_at is not None:
            issued = datetime.fromtimestamp(principal.issued_at, UTC)
            context["aws:TokenIssueTime"] = issued.strftime("%Y-%m-%dT%H:%M:%SZ")
    if principal.source_identity:
        context["aws:SourceIdentity"] = principal.source_identity
    if principal.kind == "identity" and principal.subject:
        context["cognito-identity.amazonaws.com:sub"] = principal.subject
        context["cognito-identity.amazonaws.com:amr"] = "authenticated"
    return context
