"""The errors AWS answers when a request's signature or its caller's permissions fail, in
the protocol of the service called.

JSON services name them `UnrecognizedClientException`, `InvalidSignatureException`,
`ExpiredTokenException`, `IncompleteSignatureException`,
`MissingAuthenticationTokenException` and `AccessDeniedException`; query services (SNS,
STS, CloudWatch, SES) `InvalidClientTokenId`, `SignatureDoesNotMatch`, `ExpiredToken`,
`IncompleteSignature`, `MissingAuthenticationToken` and `AccessDenied`
(https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html). SQS
speaks JSON but keeps its query error codes (awsQueryCompatible: the code travels in
`x-amzn-query-error` too,
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html).
"""

from __future__ import annotations

import functools

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.errors import aws_error
from stratus.local.core.service_index import service_model

# SignatureError.kind -> (JSON code, query code, query status)
_SIGNATURE_ERRORS: dict[str, tuple[str, str, int]] = {
    "missing": ("MissingAuthenticationTokenException", "MissingAuthenticationToken", 403),
    "incomplete": ("IncompleteSignatureException", "IncompleteSignature", 400),
    "unknown_key": ("UnrecognizedClientException", "InvalidClientTokenId", 403),
    "mismatch": ("InvalidSignatureException", "SignatureDoesNotMatch", 403),
    "expired": ("InvalidSignatureException", "SignatureDoesNotMatch", 403),
    "expired_token": ("ExpiredTokenException", "ExpiredToken", 403),
}
MISSING_TOKEN_MESSAGE = "Request is missing Authentication Token"


@functools.cache
def _query_compatible(service: str) -> bool:
    try:
        return "awsQueryCompatible" in service_model(service).get("metadata", {})
    except Exception:
        return False


def _answer(call: AwsCall, json_code: str, query_code: str, status: int, message: str) -> Response:
    protocol = call.protocol
    if protocol in ("query", "ec2", "rest-xml"):
        return aws_error(protocol, query_code, message, status)
    if _query_compatible(call.service or ""):
        return aws_error("json", query_code, message, status, query_compatible=query_code)
    # awsJson services answer 400 (DynamoDB's common errors); REST JSON ones (Lambda) 403.
    return aws_error(protocol, json_code, message, 403 if protocol == "rest-json" else 400)


def signature_error(call: AwsCall, kind: str, message: str) -> Response:
    json_code, query_code, status = _SIGNATURE_ERRORS.get(kind, _SIGNATURE_ERRORS["mismatch"])
    if kind == "missing":
        message = MISSING_TOKEN_MESSAGE
    return _answer(call, json_code, query_code, status, message)


def access_denied(call: AwsCall, message: str) -> Response:
    return _answer(call, "AccessDeniedException", "AccessDenied", 403, message)


def denial_message(caller: str, action: str, resource: str, why: str) -> str:
    """AWS's wording (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)."""
    return f"User: {caller} is not authorized to perform: {action} on resource: {resource} {why}"
