"""Production wiring: clients built once from `AnalyticsConfig`, each only when used."""

from __future__ import annotations

from typing import Any

import boto3

from stratus.runtime import clients
from stratus.runtime.errors import ConfigError
from stratus.shop.analytics.config import (
    ENV_CLICKSTREAM,
    ENV_COUNTERS_TABLE,
    ENV_DAILY_TABLE,
    ENV_EXPORT_BUCKET,
    ENV_LEDGER_TABLE,
    AnalyticsConfig,
)
from stratus.shop.analytics.consumer import Consumer
from stratus.shop.analytics.counters import CounterStore
from stratus.shop.analytics.daily import DailyCounters
from stratus.shop.analytics.exports import Exporter, Reporter
from stratus.shop.analytics.stream import KinesisWriter


def _need(value: str, name: str) -> str:
    if not value:
        raise ConfigError(f"missing required setting {name}")
    return value


def counters(config: AnalyticsConfig) -> CounterStore:
    table = _need(config.counters_table_name, ENV_COUNTERS_TABLE)
    ledger = _need(config.ledger_table_name, ENV_LEDGER_TABLE)
    daily = _need(config.daily_table_name, ENV_DAILY_TABLE)
    return CounterStore(clients.plain_dynamodb_client(config), table, ledger, daily)


def consumer(config: AnalyticsConfig, logger: Any = None) -> Consumer:
    return Consumer(counters(config), logger)


def writer(config: AnalyticsConfig) -> KinesisWriter:
    name = _need(config.clickstream_name, ENV_CLICKSTREAM)
    return KinesisWriter(boto3.client("kinesis", region_name=config.region), name)


def exporter(config: AnalyticsConfig) -> Exporter:
    bucket = _need(config.export_bucket_name, ENV_EXPORT_BUCKET)
    daily = _need(config.daily_table_name, ENV_DAILY_TABLE)
    reader = DailyCounters(clients.plain_dynamodb_client(config), daily)
    return Exporter(clients.s3_client(config), bucket, reader)


def reporter(config: AnalyticsConfig) -> Reporter:
    return Reporter(clients.s3_client(config))
