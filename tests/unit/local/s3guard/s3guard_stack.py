"""`Stack`: the guard tests' front door (uvicorn -> S3Guard -> moto) and a movable clock.

Its own module (not conftest.py) so tests import it by a name no other test folder uses:
`from conftest import ...` picks whichever conftest was imported last when several test
folders run together.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from stratus.local.iam.credentials import CredentialStore
from stratus.local.s3guard import S3Guard

REGION = "us-east-1"


class Clock:
    """Real time plus an offset the test may move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Stack:
    endpoint: str
    store: CredentialStore
    clock: Clock
    guard: S3Guard
    cors_rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def s3(self, key: str = "test", secret: str = "test", token: str | None = None) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=Config(
                signature_version="s3v4",  # as stratus.runtime.clients configures it
                retries={"max_attempts": 1},
                s3={"addressing_style": "path"},
            ),
        )
