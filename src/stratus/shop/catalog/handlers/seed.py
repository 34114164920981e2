"""The `Custom::CatalogSamples` resource: on Create and Update, add the sample products
that are missing (never overwriting one); Delete keeps them (products are data).

A Lambda-backed custom resource (on AWS and in the local cloud alike): CloudFormation
invokes it with a pre-signed ResponseURL and waits for the PUT of the result; any failure
is reported as FAILED with its reason, so a stack never hangs on it.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from aws_lambda_powertools import Logger

from stratus.shop.catalog.config import CatalogConfig
from stratus.shop.catalog.samples import seed
from stratus.shop.catalog.wiring import production_dependencies

logger = Logger(service="shop-catalog-seed")
PHYSICAL_ID = "catalog-samples"


def respond(event: dict[str, Any], status: str, reason: str, data: dict[str, Any]) -> None:
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
    data: dict[str, Any] = {}
    try:
        if event.get("RequestType") in ("Create", "Update"):
            store = production_dependencies(CatalogConfig.from_env(), logger).products()
            created = seed(store)
            data = {"Created": str(len(created))}
            logger.info("samples seeded", extra={"sample_ids": created})
    except Exception as exc:
        logger.exception("seeding samples failed")
        respond(event, "FAILED", f"{type(exc).__name__}: {exc}", {})
        return
    respond(event, "SUCCESS", "OK", data)
