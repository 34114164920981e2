"""The daily schedule (or `{"day": "YYYY-MM-DD"}`) -> `exports/YYYY-MM-DD.json`; its S3
event -> the report.

A bad export request is answered, not raised: `{"error", "message", "details", "status":
400}` with nothing written (a raise would hand the caller a stack trace and make an
asynchronous caller retry what can never succeed). Failures of S3 or DynamoDB raise, so the
schedule's retries apply.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger

from stratus.runtime.errors import StratusError
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
def export_handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        written = _exporter().export(event)
    except StratusError as exc:
        if exc.status >= 500:
            raise
        logger.warning("export refused", extra={"error": exc.message})
        return {**exc.to_body(), "status": exc.status}
    logger.info("export", extra={"key": written.key, "changed": written.changed})
    return {"key": written.key, "changed": written.changed}


@logger.inject_lambda_context(clear_state=True)
def report_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    keys = _reporter().handle(event)
    logger.info("reports written", extra={"keys": keys})
    return {"keys": keys}
