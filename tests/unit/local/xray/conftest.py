"""Shared set-up: the event rig (tests/unit/local) on the path, anyio on asyncio."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/unit/local: event_rig


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
