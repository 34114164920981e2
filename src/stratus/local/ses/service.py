"""SES: identities, templates and configuration sets in moto; sending rendered into a local
inbox with SES's checks, events and suppression list (`mailer`); the inbox on the AWS
endpoint (`inbox`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, PathRoute
from stratus.local.delivery.service import DeliveryService
from stratus.local.delivery.targets import Message
from stratus.local.provision.provider import Provider
from stratus.local.ses import inbox, mailer, moto_patches
from stratus.local.ses.providers import (
    ConfigurationSetProvider,
    EmailIdentityProvider,
    EventDestinationProvider,
    TemplateProvider,
)

# Before any SES request: moto lists a handler class's methods once.
moto_patches.install()


class SesService(EmulatedService):
    name = "ses"
    order = 20
    moto_backends = ("ses",)  # sesv2 keeps nothing of its own: it reads the ses backend
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SES::EmailIdentity": EmailIdentityProvider(),
        "AWS::SES::ConfigurationSet": ConfigurationSetProvider(),
        "AWS::SES::ConfigurationSetEventDestination": EventDestinationProvider(),
        "AWS::SES::Template": TemplateProvider(),
    }

    def __init__(self) -> None:
        self._endpoint = ""

    def paths(self) -> Iterable[PathRoute]:
        return inbox.routes()

    async def prepare(self, cloud: CloudContext) -> None:
        delivery = cloud.service(DeliveryService)
        targets = delivery.targets
        assert targets is not None
        outbox = delivery.outbox
        self._endpoint = cloud.settings.aws_endpoint.rstrip("/")

        def emit(topic_arn: str, body: str) -> None:
            async def send() -> None:
                await targets.send(topic_arn, Message(body=body))

            outbox.submit(send, f"SES event -> {topic_arn}")

        mailer.set_emitter(emit)

    async def stop(self) -> None:
        mailer.set_emitter(None)

    def describe(self) -> Mapping[str, Any]:
        if not self._endpoint:
            return {}
        return {"inbox": f"{self._endpoint}{inbox.PAGE_PATH}"}


SERVICES = [SesService]
