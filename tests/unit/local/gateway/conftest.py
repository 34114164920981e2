"""Fixtures for the gateway tests; the rig itself is in gateway_rig.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from gateway_rig import Rig, without_limits


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    """The fixture API with throttling and caching off (tests of those build their own)."""
    return Rig(tmp_path, tweak=without_limits)
