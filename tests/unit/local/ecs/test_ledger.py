"""Task processes a killed `up` left behind are ended by the next one, and only those."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from stratus.local.ecs.ledger import ProcessLedger

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_recorded_processes_in_the_images_are_ended_others_left(tmp_path: Path) -> None:
    images = tmp_path / "images"
    (images / "abc" / "srv").mkdir(parents=True)
    ours = subprocess.Popen(SLEEP, cwd=images / "abc" / "srv", start_new_session=True)
    other = subprocess.Popen(SLEEP, cwd=tmp_path, start_new_session=True)
    try:
        first = ProcessLedger(tmp_path / "processes.json", images)
        first.add([ours.pid, other.pid])
        # A new run (the first one was killed and never removed them).
        ended = ProcessLedger(tmp_path / "processes.json", images).end_leftovers()
        assert ended == 1
        assert ours.wait(timeout=5) == -9
        time.sleep(0.1)
        assert other.poll() is None  # a pid now used by something else is not touched
        assert ProcessLedger(tmp_path / "processes.json", images).end_leftovers() == 0
    finally:
        for proc in (ours, other):
            proc.kill()
            proc.wait()


def test_removed_processes_are_not_recorded(tmp_path: Path) -> None:
    ledger = ProcessLedger(tmp_path / "p.json", tmp_path)
    ledger.add([11, 12])
    ledger.remove([11])
    assert (tmp_path / "p.json").read_text() == "[12]"
