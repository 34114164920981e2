"""Server-side SigV4: re-compute the signature of a request as received, for any service.

botocore's signers do the canonical headers, string to sign and key derivation; only the
server side is written here, because botocore signs what it is about to send while a service
must canonicalise what it received: the signed headers are exactly those the client named,
the query is decoded and re-encoded (RFC 3986), and the path is the raw path as sent. S3
(`s3guard/sigv4.py`) keeps its own rules (no path normalisation, x-amz-content-sha256,
S3's XML errors) on top of the helpers here; `verify_request` is the generic check used by
API Gateway's AWS_IAM methods (service `execute-api`), with the messages AWS's JSON
services answer (https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from calendar import timegm
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from time import strptime
from urllib.parse import parse_qsl, quote, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from stratus.local.iam import canonical
from stratus.local.iam.credentials import CredentialStore, Principal

MAX_SKEW_SECONDS = 5 * 60  # AWS's JSON/query services (S3 allows 15 min)
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
# Paths SigV4 canonicalises to themselves for every service: unreserved characters and
# slashes, no empty, "." or ".." segment (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
# Each segment starts at its own "/", so a near-miss fails in linear time (a nested
# `(segment/?)*` backtracks exponentially on a long path with one "%").
_PLAIN_PATH = re.compile(r"^(?:/[A-Za-z0-9._~-]+)*/?\Z")
_DOT_SEGMENT = re.compile(r"(?:^|/)\.{1,2}(?:/|\Z)")
_AUTH_PARTS = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]*)")


def canonical_query(query_string: str, *, drop: str | None = None) -> str:
    """RFC 3986 canonical form of a received query (decoded, then re-encoded, sorted)."""
    pairs = []
    for part in query_string.split("&") if query_string else []:
        key, _, value = part.partition("=")
        key, value = unquote(key), unquote(value)
        if key == drop:
            continue
        pairs.append((quote(key, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


_AMZ_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\Z")


def parse_amz_date(value: str) -> float | None:
    """Epoch seconds of an `x-amz-date` (`%Y%m%dT%H%M%SZ`), None when it is not one. The
    usual fixed-width form is read directly (a valid date: what strptime reads from it);
    anything else is strptime's to judge."""
    match = _AMZ_DATE.match(value)
    if match is not None:
        year, month, day, hour, minute, second = (int(group) for group in match.groups())
        try:  # raises for a date strptime refuses too (month 13, ...)
            datetime(year, month, day, hour, minute, second)
        except ValueError:
            pass
        else:
            return float(timegm((year, month, day, hour, minute, second)))
    try:
        return float(timegm(strptime(value, "%Y%m%dT%H%M%SZ")))
    except (ValueError, OverflowError):
        return None


def amz_date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y%m%dT%H%M%SZ")


def server_side_auth(
    base: type[SigV4Auth],
    credentials: Credentials,
    service: str,
    region: str,
    signed: list[str],
    query: str,
    payload: str,
) -> SigV4Auth:
    """A botocore signer (`base`: SigV4Auth or S3SigV4Auth) that canonicalises a received
    request: exactly the `signed` headers, the given canonical query and payload hash."""
    cls = _SERVER_SIDE.get(base)
    if cls is None:
        cls = _SERVER_SIDE[base] = _server_side_class(base)
    auth = cls(credentials, service, region)
    auth.received = (signed, query, payload)  # type: ignore[attr-defined]
    return auth


_SERVER_SIDE: dict[type[SigV4Auth], type[SigV4Auth]] = {}


def _server_side_class(base: type[SigV4Auth]) -> type[SigV4Auth]:
    """Made once per signer class (not per request: a class costs more than a signature)."""

    class _ServerSide(base):  # type: ignore[valid-type,misc]
        received: tuple[list[str], str, str]  # signed headers, canonical query, payload hash

        def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
            headers = HTTPHeaders()
            for name in self.received[0]:
                if name in request.headers:
                    headers[name] = request.headers[name]
            return headers

        def canonical_query_string(self, request: AWSRequest) -> str:
            return self.received[1]

        def payload(self, request: AWSRequest) -> str:
            return self.received[2]

    return _ServerSide


def expected_signature(
    auth: SigV4Auth, method: str, host: str, raw_path: str, headers: Mapping[str, str], date: str
) -> tuple[str, str, str]:
    """(signature, canonical request, string to sign) for a received request."""
    request = AWSRequest(
        method=method, url=f"http://{host}{raw_path or '/'}", headers=dict(headers)
    )
    request.context["timestamp"] = date
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    return auth.signature(string_to_sign, request), canonical, string_to_sign


# -- the generic check (JSON services, execute-api) ------------------------------------------


@dataclass(frozen=True)
class SignedRequest:
    method: str
    raw_path: str  # exactly as sent, still percent-encoded
    query_string: str
    headers: Mapping[str, str]  # lower-cased names
    body: bytes


class SignatureError(Exception):
    """Why a signature is refused. `kind`: missing | incomplete | mismatch | expired |
    unknown_key | expired_token (the caller maps kinds to its own status and error type)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def is_signed(request: SignedRequest) -> bool:
    auth = request.headers.get("authorization", "")
    return bool(auth) or "X-Amz-Algorithm=" in request.query_string


def verify_request(
    request: SignedRequest,
    store: CredentialStore,
    *,
    service: str,
    region: str,
    now: float,
) -> Principal:
    """Check a header-signed or pre-signed request; return who signed it, or raise."""
    query = dict(parse_qsl(request.query_string, keep_blank_values=True))
    header = request.headers.get("authorization", "")
    if header:
        credential, signed, provided, date, token = _from_header(header, request.headers)
        drop = None
        expires: int | None = None
    elif query.get("X-Amz-Algorithm"):
        credential, signed, provided, date, token, expires = _from_query(query)
        drop = "X-Amz-Signature"
    else:
        raise SignatureError("missing", "Missing Authentication Token")
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise SignatureError(
            "incomplete",
            f"Credential should be scoped to a valid region. Credential={credential}",
        )
    access_key, scope_date, scope_region, scope_service = parts[:4]
    when = parse_amz_date(date)
    if when is None:
        raise SignatureError(
            "incomplete",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    principal = store.lookup(access_key)
    if principal is None or (principal.session_token or None) != (token or None):
        raise SignatureError(
            "unknown_key", "The security token included in the request is invalid."
        )
    if principal.expired(now):
        raise SignatureError(
            "expired_token", "The security token included in the request is expired"
        )
    if scope_region != region:
        raise SignatureError(
            "mismatch", f"Credential should be scoped to a valid region, not '{scope_region}'. "
        )
    if scope_service != service:
        raise SignatureError(
            "mismatch", f"Credential should be scoped to correct service: '{service}'. "
        )
    if scope_date != date[:8]:
        raise SignatureError(
            "mismatch",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{scope_date}' != '{date[:8]}', from '{date}'.",
        )
    if expires is None:
        # AWS: a signature is valid 5 minutes either side of the server's clock.
        if when < now - MAX_SKEW_SECONDS:
            raise SignatureError(
                "expired",
                f"Signature expired: {date} is now earlier than "
                f"{amz_date(now - MAX_SKEW_SECONDS)} ({amz_date(now)} - 5 min.)",
            )
        if when > now + MAX_SKEW_SECONDS:
            raise SignatureError(
                "expired",
                f"Signature not yet current: {date} is still later than "
                f"{amz_date(now + MAX_SKEW_SECONDS)} ({amz_date(now)} + 5 min.)",
            )
    elif now > when + expires:
        raise SignatureError(
            "expired",
            f"Signature expired: {date} is now earlier than {amz_date(now - expires)} "
            f"({amz_date(now)} - {expires} sec.)",
        )
    query_canonical = canonical_query(request.query_string, drop=drop)
    payload = hashlib.sha256(request.body).hexdigest()
    host = request.headers.get("host", "localhost")
    found = None
    if _PLAIN_PATH.match(request.raw_path or "/") and not _DOT_SEGMENT.search(request.raw_path):
        # A path botocore would neither normalise nor re-encode: the direct computation
        # (cached signing key) gives botocore's answer at a fraction of its cost.
        found = canonical.expected(
            secret=principal.secret_access_key,
            region=region,
            service=service,
            method=request.method,
            host=host,
            raw_path=request.raw_path or "/",
            headers=request.headers,
            signed=signed,
            query=query_canonical,
            payload=payload,
            amz_date=date,
        )
    if found is None:
        auth = server_side_auth(
            SigV4Auth,
            Credentials(
                principal.access_key_id, principal.secret_access_key, principal.session_token
            ),
            service,
            region,
            signed,
            query_canonical,
            payload,
        )
        headers = {name: request.headers[name] for name in signed if name in request.headers}
        found = expected_signature(auth, request.method, host, request.raw_path, headers, date)
    expected, canonical_request, string_to_sign = found
    if not hmac.compare_digest(expected, provided):
        raise SignatureError(
            "mismatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.\n\nThe Canonical String for this request should have "
            f"been\n'{canonical_request}'\n\nThe String-to-Sign should have been\n"
            f"'{string_to_sign}'\n",
        )
    return principal


def _from_header(
    header: str, headers: Mapping[str, str]
) -> tuple[str, list[str], str, str, str | None]:
    algorithm, _, rest = header.strip().partition(" ")
    # AWS names every missing part (a Bearer token on an AWS_IAM method misses them all).
    found = dict(_AUTH_PARTS.findall(rest)) if algorithm == "AWS4-HMAC-SHA256" else {}
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not found.get(name)
    ]
    date = headers.get("x-amz-date") or ""
    if not date:
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if missing:
        raise SignatureError("incomplete", " ".join(missing) + f" Authorization={header}")
    return (
        found["Credential"],
        found["SignedHeaders"].split(";"),
        found["Signature"],
        date,
        headers.get("x-amz-security-token"),
    )


def _from_query(query: Mapping[str, str]) -> tuple[str, list[str], str, str, str | None, int]:
    missing = [
        name
        for name in ("X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
        if not query.get(name)
    ]
    if missing or query.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        raise SignatureError(
            "incomplete",
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', "
            "'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'. Re-examine the query-string "
            "parameters.",
        )
    try:
        expires = int(query.get("X-Amz-Expires") or MAX_SKEW_SECONDS)
    except ValueError:
        raise SignatureError("incomplete", "X-Amz-Expires should be a number") from None
    expires = max(0, min(expires, MAX_PRESIGN_SECONDS))
    return (
        query["X-Amz-Credential"],
        query["X-Amz-SignedHeaders"].split(";"),
        query["X-Amz-Signature"],
        query["X-Amz-Date"],
        query.get("X-Amz-Security-Token"),
        expires,
    )
