"""The EventBridge test cloud fixture (see eb_harness)."""

from __future__ import annotations

from tests.unit.local.eventbridge.eb_harness import events_cloud

__all__ = ["events_cloud"]
