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

from stratus.local.core.settings import ACCOUNT_ID
from stratus.local.iam.credentials import Principal

IDENTITY_POOL_SESSION = "CognitoIdentityCredentials"


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

    role = MotoIamDirectory(_account_of(role_arn)).role(role_arn)
    if role is not None:
        return str(role.role_id)
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
    role = principal.role_arn or ""
    parts = role.split(":")
    if principal.kind == "root" or len(parts) < 6 or not parts[5].startswith("role/"):
        return CallerIdentity(f"arn:aws:iam::{account}:root", account, account)
    role_account = parts[4] or account
    role_name = parts[5].rsplit("/", 1)[-1]
    session = session_name_of(principal)
    return CallerIdentity(
        f"arn:aws:sts::{role_account}:assumed-role/{role_name}/{session}",
        f"{role_id_of(role)}:{session}",
        role_account,
        role,
    )


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else ACCOUNT_ID
