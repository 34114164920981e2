"""Kept ports come from below the ephemeral range, stable per purpose, never a taken one."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from stratus.local.core import lasting_ports
from stratus.local.core.lasting_ports import LOWEST, ephemeral_start, lasting_port


def test_the_port_is_below_the_ephemeral_range_and_the_same_for_the_same_purpose() -> None:
    port = lasting_port("/state/rds/db-inventory")
    assert LOWEST <= port < ephemeral_start()
    assert lasting_port("/state/rds/db-inventory") == port


def test_a_bound_or_taken_port_is_passed_over() -> None:
    first = lasting_port("purpose-a")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", first))
        holder.listen()
        second = lasting_port("purpose-a")
    assert second != first
    assert lasting_port("purpose-a", taken={first, second}) not in (first, second)


def test_the_ephemeral_start_is_read_from_the_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "ip_local_port_range"
    fake.write_text("40000\t60999\n")
    monkeypatch.setattr(lasting_ports, "EPHEMERAL_RANGE", fake)
    assert ephemeral_start() == 40000
    assert LOWEST <= lasting_port("x") < 40000
    monkeypatch.setattr(lasting_ports, "EPHEMERAL_RANGE", tmp_path / "missing")
    assert ephemeral_start() == lasting_ports.DEFAULT_EPHEMERAL_START


def test_with_no_room_below_the_range_any_free_port_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "ip_local_port_range"
    fake.write_text(f"{LOWEST + 10}\t60999\n")
    monkeypatch.setattr(lasting_ports, "EPHEMERAL_RANGE", fake)
    assert lasting_port("x") > 0
