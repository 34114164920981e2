"""boto3 clients built once per container, with timeouts and retries that suit a Lambda.

No endpoint logic of our own: boto3 reads `AWS_ENDPOINT_URL` itself (the local cloud sets
it). The one exception is DAX, whose endpoint is configuration: `dax://`/`daxs://` is a real
cluster (amazondax, imported lazily because it is slow to import and most paths never need
it); `http(s)://` is the local cloud's DAX endpoint, which speaks the DynamoDB protocol.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

import boto3
from botocore.config import Config

ENV_AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"

_TIMEOUTS: dict[str, Any] = {
    "connect_timeout": 2,
    "read_timeout": 5,
    "retries": {"mode": "standard", "max_attempts": 3},
}


class ClientSettings(Protocol):
    """What the factories need from a config object (e.g. a system's config)."""

    @property
    def region(self) -> str: ...

    @property
    def dax_endpoint(self) -> str | None: ...


def _botocore_config(**extra: Any) -> Config:
    return Config(**_TIMEOUTS, **extra)


def plain_dynamodb_client(config: ClientSettings) -> Any:
    """A DynamoDB client that never goes through DAX (idempotency needs DynamoDB itself)."""
    return boto3.client("dynamodb", region_name=config.region, config=_botocore_config())


def dynamodb_client(config: ClientSettings) -> Any:
    """The client TodoStore reads and writes through: DAX when configured, else DynamoDB."""
    endpoint = (config.dax_endpoint or "").strip()
    if endpoint.startswith(("dax://", "daxs://")):
        import amazondax  # lazy: only real DAX clusters need it

        return amazondax.AmazonDaxClient(endpoint_url=endpoint, region_name=config.region)
    if endpoint.startswith(("http://", "https://")):
        return boto3.client(
            "dynamodb",
            region_name=config.region,
            endpoint_url=endpoint,
            config=_botocore_config(),
        )
    return plain_dynamodb_client(config)


def uses_dax(config: ClientSettings) -> bool:
    return bool((config.dax_endpoint or "").strip())


def s3_client(config: ClientSettings, env: Mapping[str, str] | None = None) -> Any:
    """S3 with SigV4 (pre-signed POST policies need it); path-style when an endpoint override
    is set, because local endpoints are IP:port and cannot carry a bucket sub-domain."""
    env = os.environ if env is None else env
    addressing = "path" if env.get(ENV_AWS_ENDPOINT_URL) else "auto"
    return boto3.client(
        "s3",
        region_name=config.region,
        config=_botocore_config(signature_version="s3v4", s3={"addressing_style": addressing}),
    )


def secrets_client(config: ClientSettings) -> Any:
    return boto3.client("secretsmanager", region_name=config.region, config=_botocore_config())
