"""Shared set-up: the event rig (tests/unit/local) on the path, anyio on asyncio, and every
new trace recorded unless a test sets its own sampler (the default rule, one a second then
5%, would make tests that start several traces at once flaky)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from stratus.local.xray import sampling

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/unit/local: event_rig


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def record_everything() -> Iterator[None]:
    sampling.use(sampling.Sampler(everything=True))
    yield
    sampling.use(None)
