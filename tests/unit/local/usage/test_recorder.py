"""Usage totals: added, bounded, saved, loaded back and reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.local.usage import recorder as recorder_module
from stratus.local.usage.recorder import OTHER, UsageRecorder


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_counts_add_up_per_key_and_info_is_kept() -> None:
    usage = UsageRecorder(FakeClock())
    usage.add("functions", "us-east-1/f", {"name": "f"}, invocations=1, billed_ms=12)
    usage.add("functions", "us-east-1/f", {"name": "ignored"}, invocations=1, billed_ms=3)
    entry = usage.snapshot()["functions"]["us-east-1/f"]
    assert entry == {"name": "f", "invocations": 2, "billed_ms": 15}


def test_keys_beyond_the_bound_add_to_one_other_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "MAX_KEYS", 2)
    usage = UsageRecorder(FakeClock())
    for name in ("a", "b", "c", "d"):
        usage.add("buckets", name, {"name": name}, get_requests=1)
    buckets = usage.snapshot()["buckets"]
    assert set(buckets) == {"a", "b", OTHER}
    assert buckets[OTHER]["get_requests"] == 2


def test_the_window_survives_a_save_and_load(tmp_path: Path) -> None:
    clock = FakeClock()
    usage = UsageRecorder(clock)
    usage.add("tables", "us-east-1/t", {"name": "t"}, read_units=1.5)
    usage.save(tmp_path / "usage.json")
    clock.now = 1060.0
    again = UsageRecorder(clock)
    assert again.load(tmp_path / "usage.json")
    snapshot = again.snapshot()
    assert snapshot["since"] == 1000.0
    assert snapshot["seconds"] == 60.0
    assert snapshot["tables"]["us-east-1/t"]["read_units"] == 1.5


def test_reset_starts_a_new_window_at_zero() -> None:
    clock = FakeClock()
    usage = UsageRecorder(clock)
    usage.add("apis", "x/prod", {}, requests=3)
    clock.now = 2000.0
    usage.reset()
    snapshot = usage.snapshot()
    assert snapshot["since"] == 2000.0
    assert snapshot["apis"] == {}


def test_a_damaged_file_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "usage.json"
    path.write_text("{not json")
    assert not UsageRecorder(FakeClock()).load(path)
    path.write_text('{"format": 99}')
    assert not UsageRecorder(FakeClock()).load(path)
    assert not UsageRecorder(FakeClock()).load(tmp_path / "missing.json")


def test_save_writes_only_when_something_changed(tmp_path: Path) -> None:
    path = tmp_path / "usage.json"
    usage = UsageRecorder(FakeClock())
    usage.save(path)
    assert not path.exists()
    usage.add("email", "us-east-1", {}, messages=1)
    usage.save(path)
    assert path.exists()
