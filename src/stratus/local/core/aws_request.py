"""A parsed view of one request to the AWS API endpoint, shared by every interceptor.

moto finds the target service from the SigV4 credential scope, the X-Amz-Target header or
the path; the interceptors in front of it need the same facts without re-parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

_SCOPE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"^([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request$")


@dataclass
class AwsRequest:
    method: str
    path: str  # percent-decoded path, as the ASGI server gives it
    raw_path: str  # path exactly as sent (still percent-encoded), for signature checks
    query_string: str  # raw query string, exactly as sent
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ","
    body: bytes
    client_host: str = "127.0.0.1"
    query: list[tuple[str, str]] = field(default_factory=list)
    scheme: str = "http"  # "https" when it came over TLS (aws:SecureTransport)

    @property
    def secure(self) -> bool:
        """Whether the request arrived over TLS (the endpoint's HTTPS port)."""
        return self.scheme == "https"

    def __post_init__(self) -> None:
        if not self.query and self.query_string:
            self.query = parse_qsl(self.query_string, keep_blank_values=True)

    def query_value(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None

    @property
    def target(self) -> str | None:
        """X-Amz-Target, e.g. 'AWSCognitoIdentityService.GetId' (JSON-protocol services)."""
        return self.headers.get("x-amz-target")

    @property
    def access_key_id(self) -> str | None:
        """The access key that signed the request (header or pre-signed query), if any."""
        match = _SCOPE.search(self.headers.get("authorization", ""))
        if match:
            return match.group(1)
        cred = self.query_value("X-Amz-Credential")
        if cred:
            qmatch = _QUERY_SCOPE.match(cred)
            if qmatch:
                return qmatch.group(1)
        return None

    @property
    def signing_service(self) -> str | None:
        """The service named in the SigV4 credential scope ('s3', 'dynamodb', ...)."""
        match = _SCOPE.search(self.headers.get("authorization", ""))
        if match:
            return match.group(4)
        cred = self.query_value("X-Amz-Credential")
        if cred:
            qmatch = _QUERY_SCOPE.match(cred)
            if qmatch:
                return qmatch.group(4)
        return None
