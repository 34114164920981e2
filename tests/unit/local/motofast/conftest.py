"""Shared set-up: wire requests made by botocore and answered by MotoApp in-process."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/unit/local: moto_harness

from motofast_wire import Wire

from stratus.local.core.moto_app import MotoApp


@pytest.fixture(scope="module")
def moto() -> MotoApp:
    return MotoApp()


@pytest.fixture(scope="module")
def wire(moto: MotoApp) -> Wire:
    return Wire(moto)


@pytest.fixture
def swap() -> Callable[[Any, str, Any], None]:
    """Set an attribute for the rest of the test (restored afterwards)."""
    undo: list[tuple[Any, str, Any]] = []

    def set_attr(owner: Any, name: str, value: Any) -> None:
        undo.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, value)

    yield set_attr  # type: ignore[misc]
    for owner, name, value in reversed(undo):
        setattr(owner, name, value)
