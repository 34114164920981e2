"""Who signed a request with SigV4, and whether they may invalidate a cache entry.

AWS_IAM methods are verified in full (signature, expiry, execute-api:Invoke) by
`authorizers/iam.py`. `Cache-Control: max-age=0` is honoured for a caller whose request is
SigV4-signed (verified in full by the same code) and whose identity policies allow
`execute-api:InvalidateCache` on the method's ARN, evaluated by `iam/policy.py` (explicit
Deny > Allow > implicit deny, Resource wildcards, conditions): "To invalidate a cache
entry ... the client must be authorized ... with a policy like
{"Effect": "Allow", "Action": ["execute-api:InvalidateCache"], "Resource":
["arn:aws:execute-api:region:account-id:api-id/stage-name/GET/resource-path-specifier"]}"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html#invalidate-method-caching).

`iam_principal` only looks the access key up (no signature check); it stays for the callers
that need no more than that (integrations' caller credentials).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from stratus.local.gateway.authorizers.iam import IamCallers, IamDenied
from stratus.local.gateway.authorizers.policies import condition_context
from stratus.local.iam import policy as iam_policy
from stratus.local.iam.credentials import CredentialStore, Principal
from stratus.local.iam.sigv4 import SignedRequest

_SIGV4_KEY = re.compile(r"Credential=([^/,\s]+)/")
INVALIDATE_ACTION = "execute-api:InvalidateCache"


def iam_principal(
    credentials: CredentialStore, headers: Mapping[str, str], now: float
) -> Principal | None:
    found = _SIGV4_KEY.search(headers.get("authorization", ""))
    if not found:
        return None
    principal = credentials.lookup(found.group(1))
    if principal is None or principal.expired(now):
        return None
    return principal


@dataclass(frozen=True)
class InvalidationDecision:
    allowed: bool
    caller: str  # the caller's ARN, or "anonymous" for an unsigned or badly signed request
    reason: str


def may_invalidate_cache(
    callers: IamCallers, request: SignedRequest, method_arn: str, source_ip: str, now: float
) -> InvalidationDecision:
    """Is this request allowed `execute-api:InvalidateCache` on `method_arn`?"""
    if "authorization" not in request.headers and "X-Amz-Signature" not in request.query_string:
        return InvalidationDecision(False, "anonymous", "not signed")
    try:
        caller = callers.authenticate(request)
    except IamDenied as denied:
        return InvalidationDecision(False, "anonymous", denied.reason)
    policies = caller.principal.policies
    if policies is None:  # the account's root keys may do everything
        return InvalidationDecision(True, caller.arn, "root")
    context = condition_context(source_ip, now, caller.arn, caller.account)
    decision = iam_policy.evaluate(policies, INVALIDATE_ACTION, method_arn, context)
    return InvalidationDecision(decision.allowed, caller.arn, decision.reason)
