"""S3 CORS: preflights answered from the bucket's rules, 403 when no rule matches."""

from __future__ import annotations

import httpx
from s3guard_stack import Stack

RULES = [
    {
        "AllowedOrigins": ["https://127.0.0.1:*"],
        "AllowedMethods": ["GET", "POST"],
        "AllowedHeaders": ["content-type", "x-amz-*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 600,
    }
]


def preflight(
    stack: Stack, bucket: str, origin: str, method: str, headers: str = ""
) -> httpx.Response:
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        sent["Access-Control-Request-Headers"] = headers
    return httpx.options(f"{stack.endpoint}/{bucket}", headers=sent)


def test_matching_preflight_is_200_with_rule_headers(stack: Stack, bucket: str) -> None:
    stack.cors_rules[bucket] = RULES
    response = preflight(
        stack, bucket, "https://127.0.0.1:4443", "POST", "Content-Type, X-Amz-Date"
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://127.0.0.1:4443"
    assert response.headers["access-control-allow-methods"] == "GET, POST"
    assert response.headers["access-control-allow-headers"] == "content-type, x-amz-date"
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["access-control-expose-headers"] == "ETag"


def test_disallowed_origin_method_or_header_is_403(stack: Stack, bucket: str) -> None:
    stack.cors_rules[bucket] = RULES
    for origin, method, headers in (
        ("https://evil.example", "POST", ""),
        ("https://127.0.0.1:4443", "DELETE", ""),
        ("https://127.0.0.1:4443", "POST", "authorization"),
    ):
        response = preflight(stack, bucket, origin, method, headers)
        assert response.status_code == 403
        assert "CORSResponse: This CORS request is not allowed" in response.text


def test_bucket_without_cors_is_403(stack: Stack, bucket: str) -> None:
    response = preflight(stack, bucket, "https://127.0.0.1:4443", "GET")
    assert response.status_code == 403 and "CORS is not enabled for this bucket" in response.text


def test_actual_response_headers_for_front_door(stack: Stack, bucket: str) -> None:
    stack.cors_rules[bucket] = RULES
    headers = stack.guard.cors_response_headers(bucket, "https://127.0.0.1:4443", "GET")
    assert headers["Access-Control-Allow-Origin"] == "https://127.0.0.1:4443"
    assert stack.guard.cors_response_headers(bucket, "https://evil.example", "GET") == {}
    assert stack.guard.cors_response_headers(bucket, None, "GET") == {}
