"""STS's wire format (the query protocol): XML answers and errors as STS sends them.

Shapes from the STS API reference
(https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_Examples,
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html#API_GetCallerIdentity_Examples);
errors are `<ErrorResponse><Error><Type>Sender</Type>...` with STS's codes
(https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from starlette.responses import Response

from stratus.local.core.errors import aws_error
from stratus.local.iam.credentials import Principal

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"


class StsError(Exception):
    """An error STS answers: `code` as STS names it, HTTP `status`."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def response(self) -> Response:
        return aws_error("query", self.code, self.message, self.status)


def access_denied(caller_arn: str, action: str, resource: str) -> StsError:
    return StsError(
        "AccessDenied",
        f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource}",
        403,
    )


def validation(value: Any, member: str, constraint: str) -> StsError:
    return StsError(
        "ValidationError",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}",
    )


def iso8601(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def xml_of(value: Any) -> str:
    """Elements for a result: dicts become nested elements, None is left out."""
    if isinstance(value, dict):
        return "".join(
            f"<{name}>{xml_of(inner)}</{name}>"
            for name, inner in value.items()
            if inner is not None
        )
    return escape(str(value))


def answer(operation: str, result: dict[str, Any]) -> Response:
    body = (
        f'<{operation}Response xmlns="{NAMESPACE}">'
        f"<{operation}Result>{xml_of(result)}</{operation}Result>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return Response(body, media_type="text/xml")


def credentials_of(principal: Principal) -> dict[str, Any]:
    return {
        "AccessKeyId": principal.access_key_id,
        "SecretAccessKey": principal.secret_access_key,
        "SessionToken": principal.session_token,
        "Expiration": iso8601(principal.expires_at or 0),
    }
