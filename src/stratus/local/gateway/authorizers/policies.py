"""execute-api:Invoke decisions: the method ARN, a resource policy's principals, and the
request context keys policies may test.

The method ARN is `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`
with the request's actual path (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html);
the same ARN is a Lambda authorizer's `methodArn` and what its policy is evaluated against.
How a resource policy combines with each authorization type is AWS's table
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html):
with no authorizer the policy must allow explicitly; with IAM, the identity policy or the
resource policy may allow (same account); with a Lambda or Cognito authorizer an explicit
deny refuses before the authorizer runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stratus.local.iam import policy as iam_policy
from stratus.local.iam.policy import Decision

INVOKE = "execute-api:Invoke"


def method_arn(region: str, account: str, api_id: str, stage: str, verb: str, path: str) -> str:
    """`path` is the request path below the stage ("/items/1"); the root gives ".../GET/"."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{verb}/{path.lstrip('/')}"


def condition_context(
    source_ip: str, now: float, principal_arn: str | None = None, account: str | None = None
) -> dict[str, str | list[str]]:
    ctx: dict[str, str | list[str]] = {
        "aws:SourceIp": source_ip,
        "aws:SecureTransport": "true",  # the local gateway serves HTTPS only
        "aws:CurrentTime": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now)),
    }
    if principal_arn:
        ctx["aws:PrincipalArn"] = principal_arn
    if account:
        ctx["aws:PrincipalAccount"] = account
    return ctx


def _principals(statement: dict[str, Any]) -> list[str] | None:
    """The AWS principals a resource-policy statement names; None when it names none."""
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        value = principal.get("AWS")
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [str(v) for v in value]
    return None


def _names(statement: dict[str, Any], callers: set[str], account: str | None) -> bool:
    for name in _principals(statement) or []:
        if name == "*" or name in callers:
            return True
        if account is not None and name in (account, f"arn:aws:iam::{account}:root"):
            return True
    return False


def resource_decision(
    policy: dict[str, Any] | None,
    arn: str,
    context: dict[str, str | list[str]],
    callers: set[str],
    account: str | None,
) -> Decision | None:
    """The resource policy's decision for this caller (None: no resource policy).

    `callers`: the ARNs that name the caller (role, assumed-role session); empty for an
    anonymous caller, whom only `"Principal": "*"` statements name. NotPrincipal is not
    evaluated (such statements are skipped).
    """
    if policy is None:
        return None
    raw = policy.get("Statement")
    statements = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    applicable = [s for s in statements if isinstance(s, dict) and _names(s, callers, account)]
    return iam_policy.evaluate([{"Statement": applicable}], INVOKE, arn, context)


def evaluate_invoke(
    policies: list[dict[str, Any]], arn: str, context: dict[str, str | list[str]]
) -> Decision:
    return iam_policy.evaluate(policies, INVOKE, arn, context)
