"""One request's verdict from the caller's policies and the resource's own policy.

Shared by the IAM stage (every service but S3) and the S3 guard (bucket policies), so both
combine policies the same way, as AWS's evaluation logic does within one account
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny in any policy denies; otherwise an Allow in the identity policies (every
set of them, when a session carries its own policies) or in the resource policy allows;
otherwise the request is implicitly denied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stratus.local.iam import policy as iam_policy
from stratus.local.iam.credentials import Principal
from stratus.local.iam.request_context import principal_account

IDENTITY_DENY = "with an explicit deny in an identity-based policy"
RESOURCE_DENY = "with an explicit deny in a resource-based policy"


def judge(
    principal: Principal,
    caller: str,
    action: str,
    resource: str,
    context: Mapping[str, str | list[str]],
    document: dict[str, Any] | None,
    *,
    account: str,
    any_resource: bool = False,
) -> str | None:
    """None when `caller` may do `action` on `resource`, else why not (the tail of AWS's
    message). `document` is the resource's own policy, if it has one."""
    assert principal.policies is not None
    decisions = [
        iam_policy.evaluate(policies, action, resource, context, any_resource=any_resource)
        for policies in principal.policy_sets() or [principal.policies]
    ]
    if any(decision.explicit_deny for decision in decisions):
        return IDENTITY_DENY
    if document is not None:
        home = principal_account(principal, account)
        names = [caller, f"arn:aws:iam::{home}:root", home]
        if principal.role_arn:
            names.append(principal.role_arn)
        verdict = iam_policy.evaluate_resource_policy(document, names, action, resource, context)
        if verdict.explicit_deny:
            return RESOURCE_DENY
        if verdict.allowed and _account_of(resource) in ("", home):
            return None
    if all(decision.allowed for decision in decisions):
        return None
    return f"because no identity-based policy allows the {action} action"


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""
