"""SQS queues, in moto."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.provision.provider import Provider
from stratus.local.provision.recorded import GeneratedIdProvider
from stratus.local.sqs.providers import QueueProvider


class SqsService(EmulatedService):
    name = "sqs"
    order = 20
    moto_backends = ("sqs",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SQS::Queue": QueueProvider(),
        "AWS::SQS::QueuePolicy": GeneratedIdProvider(10),
    }


SERVICES = [SqsService]
