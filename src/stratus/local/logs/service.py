"""CloudWatch Logs groups and events, in moto; retention enforced locally (`retention`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService
from stratus.local.logs.providers import LogGroupProvider
from stratus.local.logs.retention import run_expiry
from stratus.local.provision.provider import Provider


class LogsService(EmulatedService):
    name = "logs"
    order = 5
    moto_backends = ("logs",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::Logs::LogGroup": LogGroupProvider(),
    }

    async def start(self, cloud: CloudContext) -> None:
        cloud.background(run_expiry(), "log-retention")


SERVICES = [LogsService]
