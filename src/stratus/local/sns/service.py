"""SNS topics and subscriptions, in moto."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.registry import EmulatedService
from stratus.local.providers import messaging
from stratus.local.providers.base import Provider


class SnsService(EmulatedService):
    name = "sns"
    order = 20
    moto_backends = ("sns",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SNS::Topic": messaging.TopicProvider(),
        "AWS::SNS::Subscription": messaging.SubscriptionProvider(),
    }


SERVICES = [SnsService]
