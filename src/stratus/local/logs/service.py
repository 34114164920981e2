"""CloudWatch Logs groups and events, in moto."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.logs.providers import LogGroupProvider
from stratus.local.provision.provider import Provider


class LogsService(EmulatedService):
    name = "logs"
    order = 5
    moto_backends = ("logs",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::Logs::LogGroup": LogGroupProvider(),
    }


SERVICES = [LogsService]
