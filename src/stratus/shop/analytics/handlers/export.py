"""The daily schedule -> `exports/YYYY-MM-DD.json`; its S3 event -> the report."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger

from stratus.shop.analytics import wiring
from stratus.shop.analytics.config import AnalyticsConfig
from stratus.shop.analytics.exports import Exporter, Reporter

logger = Logger(service="shop-analytics-export")


@functools.cache
def _exporter() -> Exporter:
    return wiring.exporter(AnalyticsConfig.from_env())


@functools.cache
def _reporter() -> Reporter:
    return wiring.reporter(AnalyticsConfig.from_env())


@logger.inject_lambda_context(clear_state=True)
def export_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = _exporter().export(event)
    logger.info("export written", extra={"key": key})
    return {"key": key}


@logger.inject_lambda_context(clear_state=True)
def report_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    keys = _reporter().handle(event)
    logger.info("reports written", extra={"keys": keys})
    return {"keys": keys}
