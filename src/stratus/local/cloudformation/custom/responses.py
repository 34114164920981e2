"""The local stand-in for the pre-signed S3 URL a custom resource answers on (ResponseURL).

CloudFormation hands the provider a pre-signed S3 PUT URL and reads the object the
provider uploads (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
Here `url_for(request_id)` gives `<base_url>/<request_id>`; the ASGI app accepts the PUT as
S3 would (200 for any body, 403 for an unknown or already used URL) and the provisioning
thread `wait()`s for it. What CloudFormation then checks — Status, Reason when FAILED, a
non-empty PhysicalResourceId of at most 1 KB, the ids copied from the request, a JSON
object for Data, the 4096-byte limit of the whole body — becomes a FAILED response whose
Reason says what was wrong, as the stack event on AWS would.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope, Send

MAX_BODY = 4096
MAX_PHYSICAL_ID = 1024


@dataclass
class CustomResourceResponse:
    status: str  # SUCCESS | FAILED
    reason: str = ""
    physical_resource_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    no_echo: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


def failed(reason: str) -> CustomResourceResponse:
    return CustomResourceResponse(status="FAILED", reason=reason)


class CustomResourceResponses:
    """ResponseURLs for pending requests, and the answers PUT to them."""

    def __init__(self, base_url: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self._cond = threading.Condition()
        self._pending: dict[str, dict[str, str]] = {}  # request id -> ids to copy back
        self._answers: dict[str, CustomResourceResponse] = {}

    def url_for(self, request_id: str, *, stack_id: str = "", logical_id: str = "") -> str:
        """Open a ResponseURL for one request (the ids let the answer be checked)."""
        with self._cond:
            self._pending[request_id] = {"StackId": stack_id, "LogicalResourceId": logical_id}
        return f"{self.base_url}/{request_id}"

    def submit(self, request_id: str, body: bytes) -> int:
        """Store an answer; the HTTP status S3 would give the PUT (200, or 403)."""
        with self._cond:
            expected = self._pending.pop(request_id, None)
            if expected is None:
                return 403
            self._answers[request_id] = _parse(request_id, body, expected)
            self._cond.notify_all()
        return 200

    def wait(self, request_id: str, timeout: float) -> CustomResourceResponse | None:
        """The answer to `request_id`, or None if none came within `timeout` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: request_id in self._answers, timeout)
            self._pending.pop(request_id, None)
            return self._answers.pop(request_id, None)

    def answered(self, request_id: str) -> bool:
        with self._cond:
            return request_id in self._answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI: PUT <base>/<request id> with the JSON response."""
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request_id = scope["path"].rstrip("/").rsplit("/", 1)[-1]
        status = self.submit(request_id, body) if scope["method"] == "PUT" else 405
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _parse(request_id: str, body: bytes, expected: dict[str, str]) -> CustomResourceResponse:
    if len(body) > MAX_BODY:
        return failed(f"Response object is too long ({len(body)} bytes, at most {MAX_BODY}).")
    try:
        doc = json.loads(body)
    except ValueError:
        return failed("Response is not valid JSON.")
    if not isinstance(doc, dict):
        return failed("Response is not a JSON object.")
    status = doc.get("Status")
    if status not in ("SUCCESS", "FAILED"):
        return failed(f"Invalid Status {status!r}: must be SUCCESS or FAILED.")
    reason = str(doc.get("Reason") or "")
    if status == "FAILED":
        return failed(reason or "The custom resource answered FAILED without a Reason.")
    physical_id = doc.get("PhysicalResourceId")
    if not isinstance(physical_id, str) or not physical_id:
        return failed("Invalid PhysicalResourceId: a non-empty string is required.")
    if len(physical_id.encode()) > MAX_PHYSICAL_ID:
        return failed("Invalid PhysicalResourceId: longer than 1 KB.")
    if doc.get("RequestId") != request_id:
        return failed("The response's RequestId does not match the request.")
    for key, value in expected.items():
        if value and doc.get(key) != value:
            return failed(f"The response's {key} does not match the request.")
    data = doc.get("Data")
    if data is not None and not isinstance(data, dict):
        return failed("Data must be a JSON object.")
    return CustomResourceResponse(
        status="SUCCESS",
        reason=reason,
        physical_resource_id=physical_id,
        data=dict(data or {}),
        no_echo=bool(doc.get("NoEcho", False)),
    )
