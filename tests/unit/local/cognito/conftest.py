"""Cognito session tests: the shared rig (`cognito_rig`, one directory up) with a clock."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cognito_rig import Rig, cognito_rig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with cognito_rig(tmp_path, timeout_s=0.3) as rig:
        yield rig
