"""A tiny front door for the guard tests: uvicorn -> S3Guard (+ identity pool) -> in-process moto.

boto3 signs real requests against it, so every check runs on what an SDK actually sends.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/unit/local: moto_harness

from moto_harness import MotoAsgi, serve
from s3guard_stack import REGION, Clock, Stack

from stratus.local.core.aws_request import AwsRequest
from stratus.local.core.moto_app import MotoApp
from stratus.local.iam.credentials import CredentialStore
from stratus.local.s3guard import S3Guard
from stratus.local.s3guard.service import moto_bucket_policy


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    store = CredentialStore()
    clock = Clock()
    cors_rules: dict[str, list[dict[str, Any]]] = {}
    guard = S3Guard(
        store,
        region=REGION,
        clock=clock,
        bucket_cors=cors_rules.get,
        bucket_policy=moto_bucket_policy,
    )

    async def intercept(request: AwsRequest) -> Any:
        return await guard(request)

    with serve(MotoAsgi(MotoApp(), intercept)) as endpoint:
        yield Stack(endpoint, store, clock, guard, cors_rules)


@pytest.fixture(autouse=True)
def _reset_clock(stack: Stack) -> Iterator[None]:
    yield
    stack.clock.offset = 0.0


@pytest.fixture
def bucket(stack: Stack, request: pytest.FixtureRequest) -> str:
    name = ("guard-" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()))[:60].strip("-")
    stack.s3().create_bucket(Bucket=name)
    return name
