"""Firehose: delivery streams in moto; records buffered and flushed to S3 by us (`buffers`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from stratus.local.core import durable
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService
from stratus.local.firehose import buffers as firehose_buffers
from stratus.local.firehose.buffers import S3Object, StreamBuffers
from stratus.local.firehose.providers import DeliveryStreamProvider
from stratus.local.provision.provider import Provider

log = logging.getLogger("stratus.firehose")


class FirehoseService(EmulatedService):
    name = "firehose"
    order = 25  # stops before the services it writes through (the endpoint stops last)
    moto_backends = ("firehose",)
    providers: ClassVar[Mapping[str, Provider]] = {
        "AWS::KinesisFirehose::DeliveryStream": DeliveryStreamProvider(),
    }

    def __init__(self) -> None:
        self.buffers = StreamBuffers(clock=time.monotonic)
        self._aws: Callable[[str, str], Any] | None = None

    async def prepare(self, cloud: CloudContext) -> None:
        from stratus.local.cloud import aws_client_factory

        per_region: dict[str, Callable[[str], Any]] = {}

        def aws(region: str, service: str) -> Any:
            if region not in per_region:
                per_region[region] = aws_client_factory(cloud.settings, region)
            return per_region[region](service)

        self._aws = aws
        firehose_buffers.install(self.buffers)

    async def start(self, cloud: CloudContext) -> None:
        state = durable.active()
        again = 0
        for token, kind, data in state.deliveries.outstanding() if state is not None else []:
            if kind == firehose_buffers.KIND:  # accepted before a crash, never written
                self.buffers.add(
                    data["region"],
                    data["stream"],
                    data["version"],
                    data["config"],
                    data["records"],
                    token,
                )
                again += len(data["records"])
        if again:
            cloud.reporter.info(
                f"firehose: {again} record(s) accepted before the stop buffered again"
            )
        cloud.background(self._run(), "firehose-flusher")

    async def _run(self) -> None:
        while True:
            await self.flush()
            await asyncio.sleep(self.buffers.next_wait())

    async def flush(self, *, everything: bool = False) -> int:
        written = 0
        for obj in self.buffers.due(everything=everything):
            try:
                await asyncio.to_thread(self._write, obj)
                written += 1
            except Exception:
                log.exception("firehose could not write s3://%s/%s", obj.bucket, obj.key)
        return written

    def _write(self, obj: S3Object) -> None:
        assert self._aws is not None
        firehose_buffers.write(self._aws, obj)
        state = durable.active()
        if state is not None:
            for token in obj.tokens:
                state.delivery_done(token)

    async def stop(self) -> None:
        if self._aws is not None:
            await self.flush(everything=True)


SERVICES = [FirehoseService]
