"""SES bounce and complaint events (configuration set -> SNS -> here): suppress the address.

Each SNS record's Message is an SES event (event publishing) or notification; permanent
bounces and complaints mark the subscriber `suppressed`, so no further mail is sent.
A record that is not an SES event is logged and skipped (retrying it would never help).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from stratus.blog.config import BlogConfig
from stratus.blog.domain import utc_now
from stratus.blog.subscribers import SubscriberStore, suppressed_recipients
from stratus.runtime import clients
from stratus.runtime.tracing import traced

logger = Logger(service="blog-mail-events")


@logger.inject_lambda_context(clear_state=True)
@traced
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = BlogConfig.from_env()
    store = SubscriberStore(
        clients.plain_dynamodb_client(config), config.subscribers_table, clock=utc_now
    )
    suppressed = 0
    for record in event.get("Records") or []:
        try:
            message = json.loads(record["Sns"]["Message"])
        except (KeyError, TypeError, ValueError):
            logger.warning("not an SNS record with a JSON message; skipped")
            continue
        for email in suppressed_recipients(message if isinstance(message, dict) else {}):
            suppressed += store.suppress(email)
    logger.info("mail events handled", extra={"suppressed": suppressed})
    return {"suppressed": suppressed}
