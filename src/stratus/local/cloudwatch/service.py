"""CloudWatch metrics and alarms, in moto."""

from __future__ import annotations

from stratus.local.core.registry import EmulatedService


class CloudWatchService(EmulatedService):
    name = "cloudwatch"
    order = 20
    moto_backends = ("cloudwatch",)


SERVICES = [CloudWatchService]
