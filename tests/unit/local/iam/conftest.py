"""The STS rig (`sts_rig.py`) for every test here, one per module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # sts_rig, and tests/unit/local: moto_harness

from sts_rig import Rig, sts_rig  # noqa: E402


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with sts_rig(tmp_path_factory.mktemp("sts")) as made:
        yield made
