"""Deliveries accepted but not yet done, kept in the journal so a crash does not lose them.

An SNS publish, an S3 notification or an EventBridge event is acknowledged to its producer
before its targets get it (they are called afterwards, on the event loop). moto's state
is journaled, but replay keeps moto's event exits quiet (events fired the first time must
not fire twice), so a delivery still under way at `kill -9` would be lost. So each
delivery that the outbox accepts is also described as data -- a kind and picklable
arguments -- in a `pend` record of the journal, synced with the write that caused it (it
is appended first, and the write's own sync covers it; producers answered outside moto
wait for it: `Outbox.sync`), and a `done` record follows once it ran (delivered, or
failed for good as its service gives up). At start, every `pend` without its `done` is
handed back to the outbox, which rebuilds it by kind and runs it again: at least once,
as SNS, S3 event notifications and EventBridge promise. A snapshot folds the journal
into files, so the records still open at a snapshot are written again at the head of
the new journal segment.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

Append = Callable[[dict[str, Any]], Any]  # appends one record; returns its ticket


class PendingDeliveries:
    """The deliveries accepted and not yet done (see the module docstring)."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def add(self, kind: str, data: dict[str, Any], append: Append) -> tuple[str, Any]:
        """Note a delivery; (its id, the ticket of its journal record)."""
        token = uuid.uuid4().hex
        with self._lock:  # noted before it is appended: a snapshot in between carries it
            self._open[token] = (kind, data)
        return token, append(record(token, kind, data))

    def done(self, token: str, append: Append) -> None:
        with self._lock:
            known = self._open.pop(token, None) is not None
        if known:
            append({"k": "done", "id": token})

    def replayed(self, entry: dict[str, Any]) -> bool:
        """Take a `pend` or `done` record read back from the journal; False for others."""
        kind = entry.get("k")
        if kind == "pend":
            with self._lock:
                self._open[entry["id"]] = (entry["kind"], entry["data"])
            return True
        if kind == "done":
            with self._lock:
                self._open.pop(entry["id"], None)
            return True
        return False

    def outstanding(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every delivery not done yet: (id, kind, data), oldest first."""
        with self._lock:
            return [(token, kind, data) for token, (kind, data) in self._open.items()]


def record(token: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"k": "pend", "id": token, "kind": kind, "data": data}
