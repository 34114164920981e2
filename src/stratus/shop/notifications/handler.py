"""Lambda entry point: SQS batch of payment results -> e-mails, partial batch response."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger

from stratus.runtime.tracing import traced
from stratus.shop.notifications.config import NotificationsConfig
from stratus.shop.notifications.processor import Notifications
from stratus.shop.notifications.wiring import production_notifications

logger = Logger(service="shop-notifications")


@functools.cache
def _notifications() -> Notifications:
    return production_notifications(NotificationsConfig.from_env(), logger)


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _notifications().handle_batch(event, context)
