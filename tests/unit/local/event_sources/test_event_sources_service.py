"""The event-sources service: one mapping that cannot start never stops the others, the
after-hooks wake the right pollers, and stop leaves no task running."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import pytest
from event_rig import Endpoint, FakeLambda, moto_endpoint, wait_for

from stratus.local.core.settings import LocalSettings, Ports
from stratus.local.delivery.service import DeliveryService
from stratus.local.delivery.targets import Targets
from stratus.local.event_sources.service import EventSourcesService
from stratus.local.iam.credentials import Principal
from stratus.local.lambda_runtime.service import LambdaService
from stratus.local.provision.model import Resource

pytestmark = pytest.mark.anyio
ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    with moto_endpoint() as found:
        yield found


class Runtime(FakeLambda):
    def get(self, name: str) -> Any:
        return SimpleNamespace(
            arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}", role_arn=""
        )

    def principal_of(self, name: str) -> Principal:
        """A role that may read every source (the role check has its own tests)."""
        allow_all = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
        return Principal("AKIAWORKER", "secret", kind="function", role_arn="", policies=[allow_all])


def mapping(arn: str, **props: Any) -> Resource:
    return Resource(
        stack="S",
        logical_id=f"M{uuid.uuid4().hex[:6]}",
        type="AWS::Lambda::EventSourceMapping",
        properties={"EventSourceArn": arn, "FunctionName": "worker", **props},
        physical_id=str(uuid.uuid4()),
    )


def cloud(endpoint: Endpoint, tmp_path: Path, runtime: Runtime, resources: list[Resource]) -> Any:
    port = urlparse(endpoint.url).port
    assert port is not None
    settings = LocalSettings.for_project(tmp_path, ports=Ports(aws=port))
    services = {
        LambdaService: SimpleNamespace(runtime=runtime),
        DeliveryService: SimpleNamespace(
            targets=Targets(lambda region: endpoint.clients(), runtime, endpoint=endpoint.url)
        ),
    }
    deployment = SimpleNamespace(resources=lambda kind: list(resources))
    warnings: list[str] = []
    return SimpleNamespace(
        settings=settings,
        service=lambda kind: services[kind],
        require_deployment=lambda: deployment,
        aws_endpoint=endpoint.door.answer,
        reporter=SimpleNamespace(warn=warnings.append),
        warnings=warnings,
    )


async def test_a_mapping_that_cannot_start_leaves_the_others_running(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    sqs = endpoint.clients()("sqs")
    name = f"q-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    missing = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/no-such-stream"
    runtime = Runtime()
    context = cloud(
        endpoint,
        tmp_path,
        runtime,
        [
            mapping(missing, StartingPosition="LATEST"),
            mapping(f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"),
        ],
    )
    service = EventSourcesService()
    before = asyncio.all_tasks()
    await service.start(context)
    try:
        assert len(service.sqs_pollers) == 1
        assert any("no-such-stream" in w for w in context.warnings)
        sqs.send_message(QueueUrl=url, MessageBody="still delivered")
        service.sqs_pollers[0].wake()
        await wait_for(lambda: runtime.calls)
    finally:
        await service.stop()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


async def test_stop_cancels_every_poller_even_one_busy_invoking(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    kinesis = endpoint.clients()("kinesis")
    name = f"s-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=2)
    runtime = Runtime(delay=30)
    arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}"
    context = cloud(endpoint, tmp_path, runtime, [mapping(arn, StartingPosition="TRIM_HORIZON")])
    service = EventSourcesService()
    before = asyncio.all_tasks()
    await service.start(context)
    assert len(service.shard_pollers) == 2
    kinesis.put_record(StreamName=name, Data=b"x", PartitionKey="p")
    for poller in service.shard_pollers:
        poller.wake()
    await wait_for(lambda: runtime.in_flight == 1)
    async with asyncio.timeout(5):
        await service.stop()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()
