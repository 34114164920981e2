"""SQS queues, in moto."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.providers import messaging, recorded
from stratus.local.providers.base import Provider


class SqsService(EmulatedService):
    name = "sqs"
    order = 20
    moto_backends = ("sqs",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SQS::Queue": messaging.QueueProvider(),
        "AWS::SQS::QueuePolicy": recorded.GeneratedIdProvider(10),
    }


SERVICES = [SqsService]
