"""EventBridge buses and rules, in moto."""

from __future__ import annotations

from stratus.local.core.registry import EmulatedService


class EventBridgeService(EmulatedService):
    name = "events"
    order = 20
    moto_backends = ("events",)


SERVICES = [EventBridgeService]
