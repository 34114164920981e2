"""A SigV4 signature of a received request, computed directly from its parts (S3, and any
service when the path is plain: see `iam.sigv4.verify_request`).

botocore's `S3SigV4Auth` (which `sigv4._verify` falls back to) builds an `AWSRequest`, an
email-style header map per request and derives the signing key with four HMACs every time:
~0.3 ms of a 10 KB PutObject's server time on this machine, measured. The canonical request
is a few joins (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html,
S3's variant: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
— the path as sent, not normalised), so it is written here for the plain case, and the
signing key, which changes once a day per key and region, is kept. `expected` returns None
outside the plain case (repeated or non-lower-case signed header names, a path or host
that botocore's URL split would read differently); the caller then asks botocore. Tests
compare both for every shape of request the guard sees.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache

_ALGORITHM = "AWS4-HMAC-SHA256"
_URL_BREAKS = frozenset("?#\t\r\n")  # what urlsplit cuts or drops in a path
_HOST_BREAKS = frozenset("/?#\\@\t\r\n")  # what would end the netloc early or change it


@lru_cache(maxsize=64)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC chain over date, region, service, "aws4_request" (cached)."""
    key = hmac.new(f"AWS4{secret}".encode(), date.encode("utf-8"), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def expected(
    *,
    secret: str,
    region: str,
    service: str,
    method: str,
    host: str,
    raw_path: str,
    headers: Mapping[str, str],
    signed: list[str],
    query: str,
    payload: str,
    amz_date: str,
) -> tuple[str, str, str] | None:
    """(signature, canonical request, string to sign) as botocore's server-side signer
    computes them, or None outside the plain case. `headers`: the request's (lower-case
    names); `signed`: the names the client signed; `query`: the canonical query."""
    path = raw_path or "/"
    if (
        not path.startswith("/")
        or _URL_BREAKS.intersection(path)
        or _HOST_BREAKS.intersection(host)
        or len(set(signed)) != len(signed)
        or any(name != name.lower() or name != name.strip() for name in signed)
    ):
        return None
    present = sorted(name for name in signed if name in headers)
    lines = [f"{name}:{' '.join(headers[name].split())}" for name in present]
    if "x-amz-content-sha256" in present:
        payload = headers["x-amz-content-sha256"]
    canonical = "\n".join(
        (
            method.upper(),
            path,
            query,
            "\n".join(lines) + "\n",
            ";".join(present),
            payload,
        )
    )
    scope = f"{amz_date[0:8]}/{region}/{service}/aws4_request"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    string_to_sign = f"{_ALGORITHM}\n{amz_date}\n{scope}\n{digest}"
    key = signing_key(secret, amz_date[0:8], region, service)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return signature, canonical, string_to_sign
