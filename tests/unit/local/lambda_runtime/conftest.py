"""Shared fixtures: a runtime with an in-memory log sink (short async retry delays)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lambda_runtime_support import ROLE_ARN, ROLE_POLICY

from stratus.local.core.settings import LocalSettings
from stratus.local.iam.credentials import CredentialStore
from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def settings(tmp_path: Path) -> LocalSettings:
    return LocalSettings.for_project(tmp_path)


@pytest.fixture
def credentials() -> CredentialStore:
    return CredentialStore()


@pytest.fixture
def sink() -> MemoryLogSink:
    return MemoryLogSink()


@pytest.fixture
async def runtime(
    settings: LocalSettings, credentials: CredentialStore, sink: MemoryLogSink
) -> AsyncIterator[LambdaRuntime]:
    rt = LambdaRuntime(
        settings,
        credentials,
        log_sink=sink,
        policies_for_role=lambda arn: [ROLE_POLICY] if arn == ROLE_ARN else [],
        async_retry_delays=(0.05, 0.05),
    )
    yield rt
    await rt.aclose()
