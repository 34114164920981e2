"""The request context IAM evaluates conditions against: who calls, from where, when.

One builder for every place that evaluates a caller's policies (the S3 guard, the AWS
endpoint's IAM stage), so a condition means the same thing on every service. Global keys as
AWS defines them
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html);
the identity-pool keys as Cognito sets them
(https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html).

`aws:SecureTransport` is true over HTTPS. The local AWS endpoint also answers plain HTTP on
the loopback, where nothing crosses a network: by default that counts as secure too, so a
TLS-only policy (the CDK's `enforceSSL`) does not lock local clients out; `strict_tls`
(`stratus up --strict-tls`, STRATUS_STRICT_TLS=1) makes plain HTTP insecure, as on AWS.
"""

from __future__ import annotations

import functools
import ipaddress
from datetime import UTC, datetime

from stratus.local.iam.credentials import Principal


@functools.lru_cache(maxsize=256)
def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def secure_transport(*, scheme: str, client_host: str, strict_tls: bool) -> bool:
    """aws:SecureTransport for a request that came over `scheme` from `client_host`."""
    if scheme == "https":
        return True
    return not strict_tls and is_loopback(client_host)


def session_arn(principal: Principal) -> str:
    """The caller's ARN as AWS names it in messages and aws:userid's twin: a role session
    arn:aws:sts::<acct>:assumed-role/<role>/<session>, else the role or key."""
    role_arn = principal.role_arn or ""
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("role/"):
        return role_arn or principal.access_key_id
    role_name = parts[5].rsplit("/", 1)[-1]
    # Identity-pool sessions are named CognitoIdentityCredentials by AWS.
    session = (
        "CognitoIdentityCredentials"
        if principal.kind == "identity"
        else (principal.subject or "session")
    )
    return f"arn:aws:sts::{parts[4]}:assumed-role/{role_name}/{session}"


def principal_account(principal: Principal, default: str) -> str:
    parts = (principal.role_arn or "").split(":")
    return parts[4] if len(parts) > 4 and parts[4] else default


def request_context(
    principal: Principal,
    *,
    now: float,
    client_host: str,
    secure: bool,
    region: str | None = None,
) -> dict[str, str | list[str]]:
    """The global condition keys of one request by `principal`."""
    context: dict[str, str | list[str]] = {
        "aws:SecureTransport": "true" if secure else "false",
        "aws:CurrentTime": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now)),
        "aws:SourceIp": client_host,
    }
    if region:
        context["aws:RequestedRegion"] = region
    if principal.role_arn:
        role_name = principal.role_arn.rsplit("/", 1)[-1]
        session = session_arn(principal).rsplit("/", 1)[-1]
        context["aws:PrincipalType"] = "AssumedRole"
        context["aws:PrincipalArn"] = principal.role_arn
        # AWS: role-id:session-name; the local role has no separate id, its name stands in.
        context["aws:userid"] = f"{role_name}:{session}"
        account = principal_account(principal, "")
        if account:
            context["aws:PrincipalAccount"] = account
    else:
        context["aws:PrincipalType"] = "Account" if principal.kind == "root" else "User"
        context["aws:userid"] = principal.access_key_id
        context["aws:username"] = principal.subject or principal.access_key_id
    if principal.kind == "identity" and principal.subject:
        context["cognito-identity.amazonaws.com:sub"] = principal.subject
        context["cognito-identity.amazonaws.com:amr"] = "authenticated"
    for tag, value in principal.principal_tags.items():
        context[f"aws:PrincipalTag/{tag}"] = value
    return context
