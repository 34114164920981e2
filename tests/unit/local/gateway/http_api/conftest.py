"""Fixtures for the HTTP API tests; the rig is in http_rig.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from http_rig import HttpRig


@pytest.fixture
def rig(tmp_path: Path) -> HttpRig:
    return HttpRig(tmp_path)
