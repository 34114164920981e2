"""Production wiring: the payments processor from `PaymentsConfig`, clients built once."""

from __future__ import annotations

from typing import Any

import boto3

from stratus.runtime import clients
from stratus.shop.payments.config import PaymentsConfig
from stratus.shop.payments.domain import StubPaymentProvider
from stratus.shop.payments.events import SnsResultPublisher
from stratus.shop.payments.processor import Payments


def production_payments(config: PaymentsConfig, logger: Any = None) -> Payments:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    persistence = DynamoDBPersistenceLayer(
        table_name=config.idempotency_table_name,
        boto3_client=clients.plain_dynamodb_client(config),
    )
    sns = boto3.client("sns", region_name=config.region)
    return Payments(
        StubPaymentProvider(config.stub_decline_suffix),
        SnsResultPublisher(sns, config.results_topic_arn),
        persistence,
        ttl_seconds=config.idempotency_ttl_seconds,
        logger=logger,
    )
