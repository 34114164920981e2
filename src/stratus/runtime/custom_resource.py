"""A Lambda-backed CloudFormation custom resource's reply, shared by every system's seeders.

CloudFormation invokes the function with the request and a pre-signed `ResponseURL`, and
waits (up to an hour) for a PUT of the result; a function that raises without replying
leaves the stack hanging. So every outcome, failures included, is answered here as SUCCESS
or FAILED with its reason, on AWS and in the local cloud alike.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html

Written by hand: crhelper would do it, but it is one more dependency in every Lambda bundle
for forty lines, and CDK's Provider framework adds a second function per resource.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

REASON_LIMIT = 1000  # keep the response well under CloudFormation's 4 KB response limit


def respond(
    event: Mapping[str, Any], status: str, reason: str, data: dict[str, Any], physical_id: str
) -> None:
    """PUT the result to the request's pre-signed ResponseURL (an empty Content-Type, as the
    URL was signed without one)."""
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:REASON_LIMIT],
            "PhysicalResourceId": event.get("PhysicalResourceId") or physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


def handle(
    event: Mapping[str, Any],
    physical_id: str,
    logger: Logger,
    apply: Callable[[str], dict[str, Any]],
) -> None:
    """Run `apply(request_type)` (Create, Update or Delete; it answers the resource's Data)
    and reply SUCCESS with its data, or FAILED with the exception named."""
    try:
        data = apply(str(event.get("RequestType")))
    except Exception as exc:
        logger.exception("custom resource failed", extra={"physical_id": physical_id})
        respond(event, "FAILED", f"{type(exc).__name__}: {exc}", {}, physical_id)
        return
    respond(event, "SUCCESS", "OK", data, physical_id)
