"""AWS error responses, one builder per protocol, so every emulator answers like AWS does.

Shapes from the AWS protocol specifications (https://smithy.io/2.0/aws/protocols/):
- awsJson1_0 / awsJson1_1 (`json`): `{"__type": code, "message": ...}` plus the
  `x-amzn-ErrorType` header; SQS (awsQueryCompatible) also sends `x-amzn-query-error`.
- restJson1 (`rest-json`): the same body, `x-amzn-ErrorType` header.
- restXml (`rest-xml`, S3 style): `<Error><Code/><Message/><RequestId/></Error>`.
- awsQuery (`query`): `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`.
- ec2Query (`ec2`): `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>`.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from xml.sax.saxutils import escape

from starlette.responses import Response

_JSON_TYPES = {
    "json": "application/x-amz-json-1.1",
    "rest-json": "application/json",
    "smithy-rpc-v2-cbor": "application/json",
}


def aws_error(
    protocol: str,
    code: str,
    message: str,
    status: int = 400,
    *,
    sender_fault: bool | None = None,
    query_compatible: str | None = None,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Response:
    """An error response in `protocol`; `fields` are extra members (JSON protocols only)."""
    request_id = str(uuid.uuid4())
    out_headers = {"x-amzn-RequestId": request_id, **(headers or {})}
    if protocol in _JSON_TYPES:
        body: dict[str, Any] = {"__type": code, "message": message, **fields}
        out_headers["x-amzn-ErrorType"] = code
        if query_compatible:
            out_headers["x-amzn-query-error"] = f"{query_compatible};Sender"
        return Response(
            json.dumps(body),
            status_code=status,
            media_type=_JSON_TYPES[protocol],
            headers=out_headers,
        )
    fault = "Sender" if (sender_fault if sender_fault is not None else status < 500) else "Receiver"
    if protocol == "rest-xml":
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
    elif protocol == "ec2":
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
    else:  # query
        xml = (
            "<ErrorResponse><Error>"
            f"<Type>{fault}</Type><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return Response(xml, status_code=status, media_type="text/xml", headers=out_headers)
