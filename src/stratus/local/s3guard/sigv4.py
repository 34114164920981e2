"""Check an S3 request's SigV4 signature (Authorization header or pre-signed query) as S3 does.

botocore's `S3SigV4Auth` does the canonical headers, string to sign and key derivation; only
the server side is written here, because botocore signs what it is about to send while S3
must canonicalise what it received: the query is decoded and re-encoded (RFC 3986), the
signed headers are exactly those the client named (botocore would pick its own set), the
payload hash is the client's declared `x-amz-content-sha256` (or UNSIGNED-PAYLOAD for a
pre-signed URL), and the path is the raw path as sent (S3 does not normalise or re-encode it).
Chunk signatures of STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies are not verified (botocore
never sends them); the seed signature over the headers is.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.auth import S3SigV4Auth
from botocore.credentials import Credentials

from stratus.local.core.aws_request import AwsRequest
from stratus.local.iam.credentials import CredentialStore, Principal
from stratus.local.iam.sigv4 import (
    canonical_query,
    expected_signature,
    parse_amz_date,
    server_side_auth,
)
from stratus.local.s3guard import canonical
from stratus.local.s3guard.errors import (
    S3Error,
    access_denied,
    expired_token,
    invalid_access_key,
    invalid_token,
    signature_mismatch,
)

# canonical_query and parse_amz_date live in iam/sigv4.py, shared with execute-api.
__all__ = ["canonical_query", "parse_amz_date", "verify_header_signed", "verify_presigned"]

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_SKEW_SECONDS = 15 * 60
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
_AUTH_HEADER = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<sig>[0-9a-f]+)\s*$"
)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Scope:
    access_key: str
    date: str
    region: str
    service: str


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def parse_scope(credential: str, *, header: bool) -> Scope:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise _malformed(
            header,
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
            'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        )
    return Scope(*parts[:4])


def _malformed(header: bool, message: str) -> S3Error:
    code = "AuthorizationHeaderMalformed" if header else "AuthorizationQueryParametersError"
    return S3Error(400, code, message)


def check_scope(scope: Scope, *, region: str, header: bool, date: str) -> None:
    if scope.region != region:
        raise _malformed(header, f"the region '{scope.region}' is wrong; expecting '{region}'")
    if scope.service != "s3":
        raise _malformed(header, f"the service '{scope.service}' is wrong; expecting 's3'")
    if scope.date != date[:8]:
        raise _malformed(
            header, f"the date '{scope.date}' does not match the request date '{date[:8]}'"
        )


def principal_for(
    store: CredentialStore, access_key: str, token: str | None, now: float
) -> Principal:
    principal = store.lookup(access_key)
    if principal is None:
        raise invalid_access_key()
    if principal.session_token is not None and token is None:
        raise invalid_access_key()  # S3: a temporary key without its token is unknown
    if principal.session_token != token:
        raise invalid_token()
    if principal.expired(now):
        raise expired_token()
    return principal


def _verify(
    request: AwsRequest,
    principal: Principal,
    scope: Scope,
    *,
    signed: list[str],
    query: str,
    payload: str,
    amz_date: str,
    provided: str,
) -> None:
    found = canonical.expected(
        secret=principal.secret_access_key,
        region=scope.region,
        service="s3",
        method=request.method,
        host=request.headers.get("host", "localhost"),
        raw_path=request.raw_path,
        headers=request.headers,
        signed=signed,
        query=query,
        payload=payload,
        amz_date=amz_date,
    )
    if found is None:
        found = _botocore_expected(
            request,
            principal,
            scope,
            signed=signed,
            query=query,
            payload=payload,
            amz_date=amz_date,
        )
    expected, canonical_request, string_to_sign = found
    if not hmac.compare_digest(expected, provided):
        raise signature_mismatch(
            principal.access_key_id, string_to_sign, provided, canonical_request
        )


def _botocore_expected(
    request: AwsRequest,
    principal: Principal,
    scope: Scope,
    *,
    signed: list[str],
    query: str,
    payload: str,
    amz_date: str,
) -> tuple[str, str, str]:
    """botocore's S3 signer over the received request (what `canonical.expected` matches)."""
    headers = {name: request.headers[name] for name in signed if name in request.headers}
    auth = server_side_auth(
        S3SigV4Auth,
        Credentials(principal.access_key_id, principal.secret_access_key, principal.session_token),
        "s3",
        scope.region,
        signed,
        query,
        payload,
    )
    return expected_signature(
        auth,
        request.method,
        request.headers.get("host", "localhost"),
        request.raw_path,
        headers,
        amz_date,
    )


def _require_signed_amz_headers(request: AwsRequest, signed: list[str]) -> None:
    # S3 refuses x-amz-* headers that the signature does not cover.
    unsigned = sorted(
        name
        for name in request.headers
        if name.startswith("x-amz-") and name not in signed and name != "x-amz-content-sha256"
    )
    if unsigned:
        raise access_denied(
            "There were headers present in the request which were not signed",
            HeadersNotSigned=", ".join(unsigned),
        )


def verify_header_signed(
    request: AwsRequest, store: CredentialStore, *, region: str, now: float
) -> Principal:
    """Check an `Authorization: AWS4-HMAC-SHA256 ...` request; return who signed it."""
    match = _AUTH_HEADER.match(request.headers.get("authorization", "").strip())
    if match is None:
        raise _malformed(
            True,
            "The authorization header is malformed; the authorization header requires three "
            "components: Credential, SignedHeaders, and Signature.",
        )
    scope = parse_scope(match.group("cred"), header=True)
    signed = match.group("signed").split(";")
    amz_date = request.headers.get("x-amz-date", "")
    when = parse_amz_date(amz_date)
    if when is None:
        raise access_denied("AWS authentication requires a valid Date or x-amz-date header")
    content_sha = request.headers.get("x-amz-content-sha256")
    if content_sha is None:
        raise S3Error(
            400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256"
        )
    principal = principal_for(
        store, scope.access_key, request.headers.get("x-amz-security-token"), now
    )
    check_scope(scope, region=region, header=True, date=amz_date)
    if abs(now - when) > MAX_SKEW_SECONDS:
        raise S3Error(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            RequestTime=amz_date,
            ServerTime=_iso(now),
            MaxAllowedSkewMilliseconds=MAX_SKEW_SECONDS * 1000,
        )
    if "host" not in signed:
        raise access_denied("Host header must be signed")  # hypothetical wording; S3 requires it
    _verify(
        request,
        principal,
        scope,
        signed=signed,
        query=canonical_query(request.query_string),
        payload=content_sha,
        amz_date=amz_date,
        provided=match.group("sig"),
    )
    _require_signed_amz_headers(request, signed)
    if _HEX64.match(content_sha) and hashlib.sha256(request.body).hexdigest() != content_sha:
        raise S3Error(
            400,
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ClientComputedContentSHA256=content_sha,
            S3ComputedContentSHA256=hashlib.sha256(request.body).hexdigest(),
        )
    return principal


def verify_presigned(
    request: AwsRequest, store: CredentialStore, *, region: str, now: float
) -> Principal:
    """Check a pre-signed URL (X-Amz-* query parameters); return who signed it."""
    params: dict[str, Any] = {k: v for k, v in request.query if k.startswith("X-Amz-")}
    for required in (
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ):
        if not params.get(required):
            raise S3Error(
                400,
                "AuthorizationQueryParametersError",
                "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                "and X-Amz-Expires parameters.",
            )
    if params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        raise S3Error(
            400,
            "AuthorizationQueryParametersError",
            'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
        )
    scope = parse_scope(params["X-Amz-Credential"], header=False)
    amz_date = params["X-Amz-Date"]
    when = parse_amz_date(amz_date)
    if when is None:
        raise S3Error(
            400,
            "AuthorizationQueryParametersError",
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        )
    try:
        expires = int(params["X-Amz-Expires"])
    except ValueError:
        raise S3Error(
            400, "AuthorizationQueryParametersError", "X-Amz-Expires should be a number"
        ) from None
    if expires < 0:
        raise S3Error(
            400, "AuthorizationQueryParametersError", "X-Amz-Expires must be non-negative"
        )
    if expires > MAX_PRESIGN_SECONDS:
        raise S3Error(
            400,
            "AuthorizationQueryParametersError",
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        )
    principal = principal_for(store, scope.access_key, params.get("X-Amz-Security-Token"), now)
    check_scope(scope, region=region, header=False, date=amz_date)
    if now > when + expires:
        details: dict[str, str | int] = {
            "X-Amz-Expires": expires,
            "Expires": _iso(when + expires),
            "ServerTime": _iso(now),
        }
        raise access_denied("Request has expired", **details)
    if when - now > MAX_SKEW_SECONDS:
        raise access_denied("Request is not valid yet")
    signed = params["X-Amz-SignedHeaders"].split(";")
    if "host" not in signed:
        raise access_denied("Host header must be signed")
    _verify(
        request,
        principal,
        scope,
        signed=signed,
        query=canonical_query(request.query_string, drop="X-Amz-Signature"),
        payload=UNSIGNED_PAYLOAD,
        amz_date=amz_date,
        provided=params["X-Amz-Signature"],
    )
    _require_signed_amz_headers(request, signed)
    return principal


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
