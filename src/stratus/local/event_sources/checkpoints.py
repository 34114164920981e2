"""Where each stream mapping got to, per shard: saved so a restart resumes there."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from stratus.local.core.persistence import write_atomic

log = logging.getLogger("stratus.event_sources")


class Checkpoints:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, str]] = {}
        if path.is_file():
            try:
                loaded = json.loads(path.read_text())
                self._data = {str(k): dict(v) for k, v in loaded.items()}
            except (ValueError, AttributeError) as exc:
                # Losing a checkpoint only replays from the starting position; say so.
                log.warning("ignoring unreadable checkpoints %s: %s", path, exc)

    def get(self, mapping: str, shard: str) -> str | None:
        return self._data.get(mapping, {}).get(shard)

    def put(self, mapping: str, shard: str, sequence: str) -> None:
        with self._lock:
            self._data.setdefault(mapping, {})[shard] = sequence
            write_atomic(self.path, json.dumps(self._data, sort_keys=True).encode())
