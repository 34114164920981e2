"""Production wiring: the notifications processor from `NotificationsConfig`."""

from __future__ import annotations

from typing import Any

import boto3

from stratus.runtime import clients
from stratus.shop.notifications.config import NotificationsConfig
from stratus.shop.notifications.mailer import SesMailer
from stratus.shop.notifications.processor import Notifications


def production_notifications(config: NotificationsConfig, logger: Any = None) -> Notifications:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    persistence = DynamoDBPersistenceLayer(
        table_name=config.idempotency_table_name,
        boto3_client=clients.plain_dynamodb_client(config),
    )
    sesv2 = boto3.client("sesv2", region_name=config.region)
    return Notifications(
        SesMailer(sesv2, config.mail_from, config.configuration_set),
        persistence,
        ttl_seconds=config.idempotency_ttl_seconds,
        logger=logger,
    )
