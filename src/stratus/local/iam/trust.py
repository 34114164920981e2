"""May this caller assume this role? A role trust policy, evaluated as STS does.

`iam/policy.py` evaluates Action, Resource and Condition; a trust policy adds the Principal
element, which is matched here first
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):

- `"*"` / `{"AWS": "*"}`: anyone; `{"AWS": "<acct>"}` or `"arn:aws:iam::<acct>:root"`: the
  account, which delegates to its identity policies — the caller's own policies must then
  also allow the action on the role ("When you specify the account ... the administrator
  of that account must grant permission", same page);
- `{"AWS": "<user or role ARN>"}`: that user, or every session of that role; an
  assumed-role session ARN names that session;
- `{"Federated": "<provider>"}`: a web-identity caller from that provider;
  `{"Service": ...}` never matches an API caller.

Matching statements lose their Principal and are evaluated for the action with their
conditions (sts:ExternalId, aws:PrincipalTag/..., aws:RequestTag/..., <provider>:aud, ...);
an explicit Deny wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.iam import policy as iam_policy


@dataclass(frozen=True)
class TrustCaller:
    """Who asks: an IAM identity (arn, its account, its role's ARN for a session) or a web
    identity (`federated`: the provider as a trust policy names it)."""

    arn: str | None = None
    account: str | None = None
    role_arn: str | None = None
    federated: str | None = None


@dataclass(frozen=True)
class TrustDecision:
    allowed: bool
    # Allowed only through an account principal: the caller's identity policies must allow
    # the action on the role too.
    needs_identity_allow: bool = False
    explicit_deny: bool = False


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def principal_match(element: Any, caller: TrustCaller) -> str | None:
    """ "direct", "account" or None: how a Principal element names the caller."""
    if element == "*":
        return "direct"
    if not isinstance(element, dict):
        return None
    best: str | None = None
    if caller.federated is not None:
        return "direct" if caller.federated in _values(element.get("Federated")) else None
    for name in _values(element.get("AWS")):
        if name == "*":
            return "direct"
        if name in (caller.arn, caller.role_arn):
            return "direct"
        if caller.account and name in (caller.account, f"arn:aws:iam::{caller.account}:root"):
            best = "account"
    return best


def evaluate_trust(
    trust_policy: Mapping[str, Any],
    caller: TrustCaller,
    action: str,
    role_arn: str,
    context: Mapping[str, str | list[str]],
) -> TrustDecision:
    direct: list[dict[str, Any]] = []
    via_account: list[dict[str, Any]] = []
    statements = trust_policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict):
            continue
        if "Principal" in statement:
            how = principal_match(statement["Principal"], caller)
        elif "NotPrincipal" in statement:
            how = None if principal_match(statement["NotPrincipal"], caller) else "direct"
        else:
            how = None
        if how is None:
            continue
        bare = {k: v for k, v in statement.items() if k not in ("Principal", "NotPrincipal")}
        if "Resource" not in bare and "NotResource" not in bare:
            bare["Resource"] = "*"
        (direct if how == "direct" else via_account).append(bare)
    decision = iam_policy.evaluate([{"Statement": direct + via_account}], action, role_arn, context)
    if decision.explicit_deny:
        return TrustDecision(False, explicit_deny=True)
    if iam_policy.evaluate([{"Statement": direct}], action, role_arn, context).allowed:
        return TrustDecision(True)
    if decision.allowed:
        return TrustDecision(True, needs_identity_allow=True)
    return TrustDecision(False)
