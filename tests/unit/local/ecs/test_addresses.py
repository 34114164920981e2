"""Task addresses: one per task on the machine, passed over when the port is taken."""

from __future__ import annotations

import socket
from pathlib import Path

from stratus.local.ecs.addresses import claim, held


def test_each_claim_is_a_different_address_until_released(tmp_path: Path) -> None:
    first = claim((8000,), directory=tmp_path)
    second = claim((8000,), directory=tmp_path)
    assert first.ip != second.ip
    assert held(first.ip, tmp_path) and held(second.ip, tmp_path)
    assert first.ip.startswith("127.0.") and first.ip != "127.0.0.1"
    first.release()
    assert not held(first.ip, tmp_path)
    again = claim((8000,), directory=tmp_path)
    assert again.ip == first.ip
    again.release()
    second.release()


def test_an_address_whose_port_is_in_use_is_passed_over(tmp_path: Path) -> None:
    probe = claim((), directory=tmp_path)
    ip = probe.ip
    probe.release()
    with socket.socket() as busy:
        busy.bind((ip, 0))
        port = busy.getsockname()[1]
        busy.listen()
        lease = claim((port,), directory=tmp_path)
        assert lease.ip != ip
        lease.release()
