"""SNS topics and subscriptions (moto keeps them), delivered by the local cloud."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService
from stratus.local.delivery.service import DeliveryService
from stratus.local.providers import messaging, recorded
from stratus.local.providers.base import Provider
from stratus.local.sns import delivery


class SnsService(EmulatedService):
    name = "sns"
    order = 20
    moto_backends = ("sns",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SNS::Topic": messaging.TopicProvider(),
        "AWS::SNS::Subscription": messaging.SubscriptionProvider(),
        "AWS::SNS::TopicPolicy": recorded.GeneratedIdProvider(10),
    }

    async def prepare(self, cloud: CloudContext) -> None:
        service = cloud.service(DeliveryService)
        assert service.targets is not None
        delivery.install(delivery.SnsDelivery(service.outbox, service.targets))


SERVICES = [SnsService]
