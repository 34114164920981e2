"""SQS queues, in moto; message move tasks (dead-letter queue redrive) and the source ARN
of dead-lettered messages added here (sqs/move_tasks.py, sqs/moto_patches.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.provision.provider import Provider
from stratus.local.provision.recorded import GeneratedIdProvider
from stratus.local.sqs import moto_patches
from stratus.local.sqs.move_tasks import MoveTasks
from stratus.local.sqs.providers import QueueProvider


class SqsService(EmulatedService):
    name = "sqs"
    order = 20
    moto_backends = ("sqs",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::SQS::Queue": QueueProvider(),
        "AWS::SQS::QueuePolicy": GeneratedIdProvider(10),
    }

    def __init__(self) -> None:
        self._cloud: CloudContext | None = None
        self._regions: dict[str, Callable[[str], Any]] = {}
        self.move_tasks = MoveTasks(self._sqs_client)

    def _sqs_client(self, region: str) -> Any:
        """A root SQS client of the local endpoint in `region` (the move tasks' calls)."""
        assert self._cloud is not None, "SQS hooks run after prepare()"
        if region == self._cloud.settings.region:
            return self._cloud.aws("sqs")
        if region not in self._regions:
            from stratus.local.cloud import aws_client_factory

            self._regions[region] = aws_client_factory(self._cloud.settings, region)
        return self._regions[region]("sqs")

    def hooks(self) -> Iterable[Hook]:
        return self.move_tasks.hooks()

    async def prepare(self, cloud: CloudContext) -> None:
        self._cloud = cloud
        moto_patches.install()

    async def stop(self) -> None:
        await self.move_tasks.aclose()


SERVICES = [SqsService]
