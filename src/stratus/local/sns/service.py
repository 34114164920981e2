"""SNS topics and subscriptions (moto keeps them), delivered by the local cloud."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService
from stratus.local.delivery.service import DeliveryService
from stratus.local.provision.provider import Provider
from stratus.local.provision.recorded import GeneratedIdProvider
from stratus.local.sns import delivery
from stratus.local.sns.providers import SubscriptionProvider, TopicProvider


class SnsService(EmulatedService):
    name = "sns"
    order = 20
    moto_backends = ("sns",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SNS::Topic": TopicProvider(),
        "AWS::SNS::Subscription": SubscriptionProvider(),
        "AWS::SNS::TopicPolicy": GeneratedIdProvider(10),
    }

    async def prepare(self, cloud: CloudContext) -> None:
        service = cloud.service(DeliveryService)
        assert service.targets is not None
        delivery.install(delivery.SnsDelivery(service.outbox, service.targets))


SERVICES = [SnsService]
