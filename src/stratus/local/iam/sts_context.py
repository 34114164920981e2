"""The request context STS's trust and identity checks see: global condition keys about the
caller and the STS-specific keys of the request
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-sts).
"""

from __future__ import annotations

from typing import Any

from stratus.local.iam import policy as iam_policy
from stratus.local.iam.credentials import Principal
from stratus.local.iam.identity import CallerIdentity, principal_context
from stratus.local.iam.sts_params import AssumeRoleRequest
from stratus.local.iam.sts_wire import iso8601

Context = dict[str, str | list[str]]


def caller_context(
    principal: Principal, who: CallerIdentity, now: float, source_ip: str
) -> Context:
    return {
        **principal_context(principal, who.account),
        "aws:CurrentTime": iso8601(now),
        "aws:EpochTime": str(int(now)),
        "aws:SourceIp": source_ip,
    }


def request_context(request: AssumeRoleRequest, caller: Principal) -> Context:
    context: Context = {"sts:RoleSessionName": request.session_name}
    if request.external_id is not None:
        context["sts:ExternalId"] = request.external_id
    source = caller.source_identity or request.source_identity
    if source:
        context["sts:SourceIdentity"] = source
    if request.tags:
        context["aws:TagKeys"] = list(request.tags)
        for key, value in request.tags.items():
            context[f"aws:RequestTag/{key}"] = value
    if request.transitive_tag_keys:
        context["sts:TransitiveTagKeys"] = list(request.transitive_tag_keys)
    return context


def evaluate_sets(
    sets: list[list[dict[str, Any]]] | None, action: str, resource: str, context: Context
) -> tuple[bool, bool]:
    """(every policy set allows `action`, one of them denies it explicitly); None: the
    account root, always allowed."""
    if sets is None:
        return True, False
    decisions = [iam_policy.evaluate(s, action, resource, context) for s in sets]
    return all(d.allowed for d in decisions), any(d.explicit_deny for d in decisions)
