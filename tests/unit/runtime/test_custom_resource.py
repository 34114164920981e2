"""The custom resource reply: what CloudFormation receives at the pre-signed ResponseURL,
for success and for a failure (which must never leave the stack waiting)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from stratus.runtime import custom_resource


@pytest.fixture
def response_url() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(
                {
                    "content_type": self.headers.get("Content-Type"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/signed?X-Amz-Signature=x", received
    server.shutdown()
    server.server_close()


def _event(url: str, kind: str, physical: str | None = None) -> dict[str, Any]:
    event = {
        "RequestType": kind, "ResponseURL": url, "StackId": "arn:stack", "RequestId": "r1",
        "LogicalResourceId": "Samples", "ResourceProperties": {},
    }  # fmt: skip
    if physical:
        event["PhysicalResourceId"] = physical
    return event


def test_success_carries_the_data_and_the_ids(
    response_url: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = response_url
    custom_resource.handle(_event(url, "Create"), "samples", Logger(), lambda kind: {"N": kind})
    assert received == [
        {
            "content_type": "",
            "body": {
                "Status": "SUCCESS", "Reason": "OK", "PhysicalResourceId": "samples",
                "StackId": "arn:stack", "RequestId": "r1", "LogicalResourceId": "Samples",
                "Data": {"N": "Create"},
            },
        }
    ]  # fmt: skip


def test_a_failure_is_answered_failed_with_its_reason_and_the_existing_physical_id(
    response_url: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = response_url

    def fail(kind: str) -> dict[str, Any]:
        raise RuntimeError("table missing " + "x" * 2000)

    custom_resource.handle(_event(url, "Update", "kept-id"), "samples", Logger(), fail)
    body = received[0]["body"]
    assert body["Status"] == "FAILED" and body["Data"] == {}
    assert body["Reason"].startswith("RuntimeError: table missing")
    assert len(body["Reason"]) == custom_resource.REASON_LIMIT
    assert body["PhysicalResourceId"] == "kept-id"  # never a new id on Update: no replacement
