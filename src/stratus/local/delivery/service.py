"""The delivery service: one outbox and one set of targets that the event sources share."""

from __future__ import annotations

import asyncio

from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService
from stratus.local.delivery.outbox import Outbox
from stratus.local.delivery.targets import Targets
from stratus.local.lambda_runtime.destinations import TargetsDestinationSender
from stratus.local.lambda_runtime.service import LambdaService


class DeliveryService(EmulatedService):
    name = "delivery"
    order = 12  # after Lambda (targets invoke it), before every event source

    def __init__(self) -> None:
        self.outbox = Outbox()
        self.targets: Targets | None = None

    async def prepare(self, cloud: CloudContext) -> None:
        from stratus.local.cloud import aws_client_factory

        runtime = cloud.service(LambdaService).runtime
        assert runtime is not None
        self.outbox.bind(asyncio.get_running_loop())
        self.targets = Targets(
            lambda region: aws_client_factory(cloud.settings, region),
            runtime,
            endpoint=cloud.settings.aws_endpoint,
            local=cloud.aws_endpoint,  # in-process where the protocol allows (Targets)
        )
        # Lambda's asynchronous-invocation destinations and DLQs go out the same way.
        runtime.destinations = TargetsDestinationSender(self.targets)

    async def start(self, cloud: CloudContext) -> None:
        # Every service and function is up: what the last run accepted and did not deliver.
        count = self.outbox.redeliver()
        if count:
            cloud.reporter.info(f"delivering again {count} event(s) accepted before the stop")

    async def stop(self) -> None:
        await self.outbox.drain()


SERVICES = [DeliveryService]
