"""Whether the bucket policy lets the distribution read: S3's check of CloudFront's request.

With origin access control CloudFront signs its requests as the service principal
`cloudfront.amazonaws.com`, and the bucket policy names the distribution in the
`AWS:SourceArn` condition
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html).
A legacy origin access identity is the principal
`arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity <id>` or its canonical user
id. Without either, the request is anonymous and only a public statement (`"*"`) grants it.
The policy's statements that name that principal are evaluated with `iam.policy` (which
evaluates Action, Resource and Condition; the principal match is done here). Without
`s3:ListBucket` a missing key is 403 Access Denied, not 404 (S3's rule,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stratus.local.iam import policy as iam_policy

CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com"


@dataclass(frozen=True)
class EdgePrincipal:
    kind: str  # oac | oai | anonymous
    distribution_arn: str
    account: str
    oai: str = ""
    oai_canonical: str = ""


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _names_principal(statement: Mapping[str, Any], who: EdgePrincipal) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    aws = _as_list(principal.get("AWS"))
    if "*" in aws:
        return True
    if who.kind == "oac":
        return CLOUDFRONT_SERVICE in _as_list(principal.get("Service"))
    if who.kind == "oai":
        arn = f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {who.oai}"
        canonical = _as_list(principal.get("CanonicalUser"))
        return arn in aws or (bool(who.oai_canonical) and who.oai_canonical in canonical)
    return False


def parse_policy(text: str | bytes | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def allows(policy: dict[str, Any] | None, who: EdgePrincipal, action: str, resource: str) -> bool:
    if policy is None:
        return False
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    mine = [
        s
        for s in statements or []
        if isinstance(s, dict) and "NotPrincipal" not in s and _names_principal(s, who)
    ]
    if not mine:
        return False
    context: dict[str, str | list[str]] = {
        "aws:SecureTransport": "true",
        "aws:SourceAccount": who.account,
    }
    if who.kind == "oac":
        context["aws:SourceArn"] = who.distribution_arn
    decision = iam_policy.evaluate([{"Statement": mine}], action, resource, context)
    return decision.allowed
