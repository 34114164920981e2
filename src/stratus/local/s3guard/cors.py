"""S3's CORS: preflight answers and the headers added to actual responses.

moto stores a bucket's CORS rules but does not apply them to requests, and a browser
uploading with a pre-signed POST needs S3's behaviour exactly: the first rule whose
AllowedOrigins, AllowedMethods and AllowedHeaders (each may hold one `*` wildcard) all match
wins; no rule -> 403. Rules use the boto3 shape (AllowedOrigins, AllowedMethods, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from stratus.local.core.aws_request import AwsRequest
from stratus.local.s3guard.actions import split_path
from stratus.local.s3guard.errors import S3Error, error_response

CorsRules = Callable[[str], list[dict[str, Any]] | None]


def _wild(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = "^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$"
    return re.match(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def match_rule(
    rules: list[dict[str, Any]], origin: str, method: str, request_headers: list[str]
) -> dict[str, Any] | None:
    for rule in rules:
        if not any(_wild(o, origin) for o in rule.get("AllowedOrigins", [])):
            continue
        if method.upper() not in [m.upper() for m in rule.get("AllowedMethods", [])]:
            continue
        allowed = rule.get("AllowedHeaders", [])
        if all(any(_wild(a, h, ignore_case=True) for a in allowed) for h in request_headers):
            return rule
    return None


def _rule_headers(rule: dict[str, Any], origin: str) -> dict[str, str]:
    wildcard = "*" in rule.get("AllowedOrigins", [])
    headers = {
        "Access-Control-Allow-Origin": "*" if wildcard else origin,
        "Access-Control-Allow-Methods": ", ".join(rule.get("AllowedMethods", [])),
        "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    }
    if not wildcard:
        headers["Access-Control-Allow-Credentials"] = "true"
    if rule.get("ExposeHeaders"):
        headers["Access-Control-Expose-Headers"] = ", ".join(rule["ExposeHeaders"])
    if rule.get("MaxAgeSeconds") is not None:
        headers["Access-Control-Max-Age"] = str(rule["MaxAgeSeconds"])
    return headers


def preflight(request: AwsRequest, bucket_cors: CorsRules) -> Response:
    """Answer an OPTIONS request to a bucket or object as S3 does."""
    bucket, _ = split_path(request.path)
    origin = request.headers.get("origin")
    method = request.headers.get("access-control-request-method")
    if not origin:
        return error_response(
            S3Error(400, "BadRequest", "Insufficient information. Origin request header needed.")
        )
    if not method:
        return error_response(
            S3Error(400, "BadRequest", "Invalid Access-Control-Request-Method: null")
        )
    rules = bucket_cors(bucket) if bucket else None
    if not rules:
        return error_response(
            S3Error(
                403,
                "AccessForbidden",
                "CORSResponse: CORS is not enabled for this bucket.",
                Method=method,
                ResourceType="BUCKET",
            )
        )
    wanted = [
        h.strip().lower()
        for h in request.headers.get("access-control-request-headers", "").split(",")
        if h.strip()
    ]
    rule = match_rule(rules, origin, method, wanted)
    if rule is None:
        # S3's own spelling ("evalution") copied on purpose.
        return error_response(
            S3Error(
                403,
                "AccessForbidden",
                "CORSResponse: This CORS request is not allowed. This is usually because the "
                "evalution of Origin, request method / Access-Control-Request-Method or "
                "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
                Method=method,
                ResourceType="OBJECT" if split_path(request.path)[1] else "BUCKET",
            )
        )
    headers = _rule_headers(rule, origin)
    if wanted:
        headers["Access-Control-Allow-Headers"] = ", ".join(wanted)
    return Response(status_code=200, headers=headers)


def response_headers(
    bucket_cors: CorsRules, bucket: str, origin: str | None, method: str
) -> dict[str, str]:
    """Access-Control-* headers for an actual (non-preflight) response, or {} if none apply."""
    if not origin or not bucket:
        return {}
    rules = bucket_cors(bucket)
    rule = match_rule(rules or [], origin, method, [])
    return _rule_headers(rule, origin) if rule else {}
