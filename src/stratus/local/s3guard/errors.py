"""S3's error responses, byte for byte in shape, so SDKs parse them as they would S3's.

Every check raises S3Error; the guard renders it once (XML, application/xml, request ids).
"""

from __future__ import annotations

import base64
import secrets
from xml.sax.saxutils import escape

from starlette.responses import Response


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: str | int) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def request_ids() -> tuple[str, str]:
    request_id = secrets.token_hex(8).upper()
    host_id = base64.b64encode(secrets.token_bytes(48)).decode()
    return request_id, host_id


def error_response(error: S3Error) -> Response:
    request_id, host_id = request_ids()
    body = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>",
    ]
    body.extend(f"<{name}>{escape(str(value))}</{name}>" for name, value in error.extra.items())
    body.append(f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>")
    return Response(
        "".join(body[:1]) + "\n" + "".join(body[1:]),
        status_code=error.status,
        media_type="application/xml",
        headers={"x-amz-request-id": request_id, "x-amz-id-2": host_id},
    )


def access_denied(message: str = "Access Denied", **extra: str | int) -> S3Error:
    return S3Error(403, "AccessDenied", message, **extra)


def invalid_access_key() -> S3Error:
    return S3Error(
        403,
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
    )


def expired_token() -> S3Error:
    # S3 answers 400 (not 403) for an expired session token.
    return S3Error(400, "ExpiredToken", "The provided token has expired.")


def invalid_token() -> S3Error:
    # S3 answers 400 for a malformed/mismatched session token (S3 error-code table).
    return S3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")


def signature_mismatch(
    access_key: str, string_to_sign: str, provided: str, canonical: str
) -> S3Error:
    return S3Error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        AWSAccessKeyId=access_key,
        StringToSign=string_to_sign,
        SignatureProvided=provided,
        CanonicalRequest=canonical,
    )


def unsupported_auth() -> S3Error:
    return S3Error(
        400,
        "InvalidRequest",
        "The authorization mechanism you have provided is not supported. "
        "Please use AWS4-HMAC-SHA256.",
    )
