"""The `Custom::CatalogSamples` resource: on Create and Update, add the sample products
that are missing (never overwriting one); Delete keeps them (products are data). The reply
to CloudFormation is `stratus.runtime.custom_resource`'s."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from stratus.runtime import custom_resource
from stratus.runtime.tracing import traced
from stratus.shop.catalog.config import CatalogConfig
from stratus.shop.catalog.samples import seed
from stratus.shop.catalog.wiring import production_dependencies

logger = Logger(service="shop-catalog-seed")
PHYSICAL_ID = "catalog-samples"


def _apply(kind: str) -> dict[str, Any]:
    if kind not in ("Create", "Update"):
        return {}
    store = production_dependencies(CatalogConfig.from_env(), logger).products()
    created = seed(store)
    logger.info("samples seeded", extra={"sample_ids": created})
    return {"Created": str(len(created))}


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> None:
    custom_resource.handle(event, PHYSICAL_ID, logger, _apply)
