"""Puts the outbox's events on the bus (events.py decides which and what)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stratus.shop.orders.events import outbox_entry


class PublishError(RuntimeError):
    """EventBridge refused the entry; the record is reported and retried."""


class Outbox:
    def __init__(self, events_client: Any, bus_name: str) -> None:
        self._events = events_client
        self._bus = bus_name

    def publish(self, record: Mapping[str, Any]) -> bool:
        """Put the event a stream record calls for; False when it calls for none.

        PutEvents answers 200 even when an entry fails: the entry's ErrorCode says so.
        AWS: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html"""
        entry = outbox_entry(record, self._bus)
        if entry is None:
            return False
        result = self._events.put_events(Entries=[entry])
        if result.get("FailedEntryCount"):
            failed = (result.get("Entries") or [{}])[0]
            raise PublishError(f"PutEvents failed: {failed.get('ErrorCode')}")
        return True
