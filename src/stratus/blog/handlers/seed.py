"""The `Custom::BlogSampleContent` resource: on Create, seed and publish the sample posts.

A Lambda-backed custom resource (runs on AWS and in the local cloud alike): CloudFormation
invokes it with the request and a pre-signed ResponseURL, and waits for the PUT of the
result. Update re-renders the site (a template change may change the pages); Delete keeps
the content (posts are data, not infrastructure). Any failure is reported as FAILED with
its reason, so a stack never hangs on it.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from aws_lambda_powertools import Logger

from stratus.blog.config import BlogConfig
from stratus.blog.samples import render_all, seed
from stratus.blog.wiring import production_dependencies

logger = Logger(service="blog-seed")
PHYSICAL_ID = "blog-sample-content"


def _respond(event: dict[str, Any], status: str, reason: str, data: dict[str, Any]) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:1000],
            "PhysicalResourceId": event.get("PhysicalResourceId") or PHYSICAL_ID,
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


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> None:
    kind = event.get("RequestType")
    data: dict[str, Any] = {}
    try:
        if kind in ("Create", "Update"):
            deps = production_dependencies(BlogConfig.from_env(), logger)
            if kind == "Create":
                outcome = seed(deps.posts(), deps.publisher())
            else:
                outcome = render_all(deps.posts(), deps.publisher())
            data = {"Changed": str(len(outcome.changed))}
            logger.info("site rendered", extra={"changed": outcome.changed})
    except Exception as exc:
        logger.exception("sample content failed")
        _respond(event, "FAILED", f"{type(exc).__name__}: {exc}", {})
        return
    _respond(event, "SUCCESS", "OK", data)
