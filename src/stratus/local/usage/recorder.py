"""Billable counts since a start time, per resource, bounded, saved with the state.

CloudWatch's built-in metrics (core.metrics) are drained every tick and keep no totals, and
they carry neither routes, memory sizes nor request units; what prices a stage is totals per
resource since a start. So services add to this recorder (a dict update under a lock), it
is written beside the state (`usage.json`) every few seconds and at stop, read back at the
next start, and reset by `DELETE /_stratus/usage`.

Each category (apis, routes, functions, tables, buckets, distributions, email, messaging,
streams)
maps a key to an entry: text fields set once (names, Regions) and numbers that add up. At
most `MAX_KEYS` keys per category: later ones are added to one "(other)" entry, so memory
and the file stay bounded however many resources a cloud serves.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from stratus.local.core.persistence import write_atomic
from stratus.local.usage.deferred import DeferredCounts

log = logging.getLogger("stratus.usage")
FORMAT = 1
MAX_KEYS = 500
OTHER = "(other)"
CATEGORIES = (
    "apis",
    "routes",
    "functions",
    "tables",
    "buckets",
    "distributions",
    "email",
    "messaging",
    "streams",
)
Entry = dict[str, Any]


class UsageRecorder:
    """Thread-safe totals; `add` is what hot paths call (no I/O)."""

    def __init__(self, clock: Callable[[], float] = time.time, *, enabled: bool = True) -> None:
        self._clock = clock
        # Off while the cloud provisions: CloudFormation's own calls (CreateBucket, custom
        # resources' invocations) are not the application's traffic.
        self.enabled = enabled
        self._lock = threading.Lock()
        self._since = clock()
        self._data: dict[str, dict[str, Entry]] = {c: {} for c in CATEGORIES}
        self._dirty = False
        self._deferred = DeferredCounts()

    def defer(self, work: Callable[..., None], *args: Any, size: int = 0) -> None:
        """Count later (before the totals are next read or saved): `work(*args)` calls `add`.
        For counting that costs more than the request path should pay (see `deferred`)."""
        if self.enabled:
            self._deferred.put(work, *args, size=size)

    def add(
        self,
        category: str,
        key: str,
        info: Mapping[str, str] | None = None,
        **counts: float,
    ) -> None:
        if not self.enabled:
            return
        with self._lock:
            entries = self._data.setdefault(category, {})
            entry = entries.get(key)
            if entry is None:
                if len(entries) >= MAX_KEYS:
                    key, info = OTHER, {}
                    entry = entries.get(OTHER)
                if entry is None:
                    entry = entries[key] = dict(info or {})
            for name, value in counts.items():
                entry[name] = entry.get(name, 0) + value
            self._dirty = True

    def reset(self) -> None:
        """Start a new window now: every count back to zero."""
        self._deferred.clear()
        with self._lock:
            self._since = self._clock()
            self._data = {c: {} for c in CATEGORIES}
            self._dirty = True

    def snapshot(self) -> dict[str, Any]:
        """The window as JSON-ready data: since, now, seconds and each category's entries."""
        self._deferred.drain()
        with self._lock:
            data = {c: {k: dict(v) for k, v in e.items()} for c, e in self._data.items()}
            since = self._since
        now = self._clock()
        return {"since": since, "now": now, "seconds": max(0.0, now - since), **data}

    # -- persistence ------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the window if anything changed since the last save (whole or not at all)."""
        self._deferred.drain()
        with self._lock:
            if not self._dirty:
                return
            self._dirty = False
            payload = {"format": FORMAT, "since": self._since, "categories": self._data}
            data = json.dumps(payload, separators=(",", ":")).encode()
        write_atomic(path, data)

    def load(self, path: Path) -> bool:
        """Continue the window saved in `path`; a missing or unreadable file starts afresh."""
        try:
            payload = json.loads(path.read_bytes())
        except FileNotFoundError:
            return False
        except (OSError, ValueError):
            log.warning("usage totals in %s are unreadable; counting from now", path)
            return False
        restored = _restore(payload)
        if restored is None:
            log.warning("usage totals in %s have an unknown shape; counting from now", path)
            return False
        with self._lock:
            self._since, self._data = restored
        return True


def _restore(payload: Any) -> tuple[float, dict[str, dict[str, Entry]]] | None:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return None
    since, categories = payload.get("since"), payload.get("categories")
    if not isinstance(since, int | float) or not isinstance(categories, dict):
        return None
    data: dict[str, dict[str, Entry]] = {c: {} for c in CATEGORIES}
    for category, entries in categories.items():
        if category not in data or not isinstance(entries, dict):
            continue
        for key, entry in list(entries.items())[:MAX_KEYS]:
            if isinstance(entry, dict):
                data[category][str(key)] = {
                    str(k): v for k, v in entry.items() if isinstance(v, str | int | float)
                }
    return float(since), data
