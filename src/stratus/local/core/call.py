"""One AWS API request, parsed once: which service, which operation, which protocol.

Every hook and emulator receives an `AwsCall` instead of sniffing paths and headers itself;
`core.router` fills it in from botocore's service models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import Response

from stratus.local.core import errors
from stratus.local.core.aws_request import AwsRequest

# Operation names that only read state (a save is never due after one of these).
_READ_PREFIXES = (
    "Get",
    "List",
    "Describe",
    "Query",
    "Scan",
    "BatchGet",
    "TransactGet",
    "Head",
    "Select",
    "Lookup",
    "Search",
    "Check",
    "Test",
    "Filter",
)


def is_read_operation(operation: str | None) -> bool:
    """Whether an operation only reads (Get*, List*, Describe*, Query, Scan, ...)."""
    return bool(operation) and str(operation).startswith(_READ_PREFIXES)


@dataclass
class AwsCall:
    """A routed request. `service` is botocore's service name ('s3', 'dynamodb', ...).

    `operation` is the botocore operation name ('PutObject', 'Query'), or None when the
    service is known but no operation of its model matched. `labels` are the URI labels of
    REST protocols ({'Bucket': ..., 'Key': ...}), percent-decoded.
    """

    request: AwsRequest
    service: str | None
    operation: str | None
    protocol: str = "json"
    labels: dict[str, str] = field(default_factory=dict)
    region: str = "us-east-1"
    _params: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str | None, str | None]:
        return self.service, self.operation

    @property
    def is_read(self) -> bool:
        return is_read_operation(self.operation)

    def json_body(self) -> dict[str, Any]:
        """The JSON body of json / rest-json requests ({} when empty or not an object)."""
        if not self.request.body:
            return {}
        try:
            value = json.loads(self.request.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def form(self) -> dict[str, str]:
        """Query-protocol parameters: the form body, else the query string (first value wins)."""
        pairs: list[tuple[str, str]] = []
        content_type = self.request.headers.get("content-type", "")
        if self.request.body and "x-www-form-urlencoded" in content_type:
            pairs = parse_qsl(self.request.body.decode("utf-8", "replace"), keep_blank_values=True)
        pairs += self.request.query
        out: dict[str, str] = {}
        for key, value in pairs:
            out.setdefault(key, value)
        return out

    def params(self) -> dict[str, Any]:
        """The operation's input as sent: JSON body, form fields or URI labels + query."""
        if self._params is None:
            if self.protocol in ("json", "smithy-rpc-v2-cbor"):
                self._params = self.json_body()
            elif self.protocol in ("query", "ec2"):
                self._params = dict(self.form())
            else:
                merged: dict[str, Any] = dict(self.request.query)
                if self.protocol == "rest-json":
                    merged.update(self.json_body())
                merged.update(self.labels)
                self._params = merged
        return self._params

    def error(self, code: str, message: str, status: int = 400, **extra: Any) -> Response:
        """An AWS error in this request's protocol (see core.errors)."""
        return errors.aws_error(self.protocol, code, message, status, **extra)
