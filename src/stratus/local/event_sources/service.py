"""Event source mappings as an emulated service: one poller per SQS mapping and per stream
shard, woken by the writes that feed them (after-hooks) and polling every second otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.context import CloudContext
from stratus.local.core.registry import EmulatedService, Hook
from stratus.local.core.service_call import ServiceCaller, local_caller
from stratus.local.delivery.service import DeliveryService
from stratus.local.delivery.targets import Arn, Targets
from stratus.local.event_sources.checkpoints import Checkpoints
from stratus.local.event_sources.mappings import MappingConfig
from stratus.local.event_sources.role_check import missing_grants, refusal
from stratus.local.event_sources.sources import DynamoDbStreamSource, KinesisSource
from stratus.local.event_sources.sqs_poller import SqsPoller
from stratus.local.event_sources.stream_poller import ShardPoller
from stratus.local.lambda_runtime.runtime import LambdaRuntime
from stratus.local.lambda_runtime.service import LambdaService

log = logging.getLogger("stratus.event_sources")

_DYNAMODB_WRITES = (
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
)


class EventSourcesService(EmulatedService):
    name = "event-sources"
    order = 60  # after every service a mapping reads from or invokes

    def __init__(self) -> None:
        self.sqs_pollers: list[SqsPoller] = []
        self.shard_pollers: list[ShardPoller] = []
        self._tasks: list[asyncio.Task[None]] = []

    # Wake-ups -------------------------------------------------------------------------
    def hooks(self) -> Iterable[Hook]:
        async def sqs_sent(call: AwsCall, response: Response) -> None:
            name = str(call.params().get("QueueUrl", "")).rstrip("/").rsplit("/", 1)[-1]
            for poller in self.sqs_pollers:
                if poller.mapping.source_arn.rsplit(":", 1)[-1] == name:
                    poller.wake()

        async def kinesis_put(call: AwsCall, response: Response) -> None:
            params = call.params()
            name = str(params.get("StreamName") or str(params.get("StreamARN", "")).split("/")[-1])
            for poller in self.shard_pollers:
                if poller.mapping.kind == "kinesis" and poller.mapping.source_arn.endswith(
                    f"/{name}"
                ):
                    poller.wake()

        async def table_written(call: AwsCall, response: Response) -> None:
            # Only the written tables' pollers: each wake costs a GetRecords round trip.
            tables = tables_written(call.operation, call.params())
            for poller in self.shard_pollers:
                if poller.mapping.kind == "dynamodb" and (
                    tables is None or stream_table(poller.mapping.source_arn) in tables
                ):
                    poller.wake()

        return [
            Hook("sqs", "SendMessage", after=sqs_sent),
            Hook("sqs", "SendMessageBatch", after=sqs_sent),
            Hook("kinesis", "PutRecord", after=kinesis_put),
            Hook("kinesis", "PutRecords", after=kinesis_put),
            *(Hook("dynamodb", op, after=table_written) for op in _DYNAMODB_WRITES),
        ]

    # Start ----------------------------------------------------------------------------
    async def start(self, cloud: CloudContext) -> None:
        runtime = cloud.service(LambdaService).runtime
        targets = cloud.service(DeliveryService).targets
        assert runtime is not None and targets is not None
        checkpoints = Checkpoints(cloud.settings.snapshot_dir / "event_source_checkpoints.json")
        mappings = [
            MappingConfig.from_resource(resource)
            for resource in cloud.require_deployment().resources("AWS::Lambda::EventSourceMapping")
        ]
        for mapping in mappings:
            if mapping is None or not mapping.enabled:
                continue
            try:
                await self._start_mapping(cloud, mapping, runtime, targets, checkpoints)
            except Exception as exc:  # one mapping that cannot start never stops the others
                log.exception("event source %s could not start", mapping.name)
                cloud.reporter.warn(f"event source {mapping.name}: not started ({exc})")

    async def _start_mapping(
        self,
        cloud: CloudContext,
        mapping: MappingConfig,
        runtime: LambdaRuntime,
        targets: Targets,
        checkpoints: Checkpoints,
    ) -> None:
        arn = Arn.parse(mapping.source_arn)
        if cloud.settings.iam:
            principal = runtime.principal_of(mapping.function)
            missing = missing_grants(principal, mapping.kind, mapping.source_arn)
            if missing:
                cloud.reporter.warn(
                    f"event source {mapping.name}: not started, as Lambda refuses it: "
                    + refusal(mapping.kind, mapping.source_arn, missing)
                )
                return

        def caller(service: str) -> ServiceCaller:  # the pollers read in-process
            return local_caller(cloud, service, arn.region)

        if mapping.kind == "sqs":
            poller = SqsPoller(
                mapping,
                sqs=caller("sqs"),
                queue_url=targets.queue_url(arn),
                lambdas=runtime,
            )
            self.sqs_pollers.append(poller)
            self._spawn(poller.run(), mapping.name)
            return
        try:
            function = runtime.get(mapping.function)
        except Exception:
            cloud.reporter.warn(f"event source {mapping.name}: no such function, skipped")
            return
        source: Any
        if mapping.kind == "kinesis":
            source = KinesisSource(caller("kinesis"), arn_text(arn), function.role_arn or "")
        else:
            source = DynamoDbStreamSource(caller("dynamodbstreams"), arn_text(arn))
        shards = await source.shards()
        for shard in shards:
            shard_poller = ShardPoller(
                mapping,
                shard,
                source=source,
                lambdas=runtime,
                function_arn=function.arn,
                checkpoint=_saver(checkpoints, mapping.uuid),
                last_checkpoint=checkpoints.get(mapping.uuid, shard),
                send_failure=targets.send,
            )
            self.shard_pollers.append(shard_poller)
            self._spawn(shard_poller.run(), f"{mapping.name} {shard}")

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=f"event source {name}")
        task.add_done_callback(_report_crash)
        self._tasks.append(task)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for poller in self.sqs_pollers:
            await poller.aclose()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def describe(self) -> dict[str, Any]:
        return {"mappings": len(self.sqs_pollers) + len(self.shard_pollers)}


def tables_written(operation: str | None, params: dict[str, Any]) -> set[str] | None:
    """The table names a DynamoDB write names (a table ARN counts by its name); None when
    the request does not name them as parameters (PartiQL statements): then every table."""
    names: list[Any] = []
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        names.append(params.get("TableName"))
    elif operation == "BatchWriteItem":
        items = params.get("RequestItems")
        names.extend(items if isinstance(items, dict) else ())
    elif operation == "TransactWriteItems":
        actions = params.get("TransactItems")
        for action in actions if isinstance(actions, list) else ():
            for part in action.values() if isinstance(action, dict) else ():
                names.append(part.get("TableName") if isinstance(part, dict) else None)
    else:
        return None
    return {_table_name(name) for name in names if isinstance(name, str)}


def stream_table(stream_arn: str) -> str:
    """`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` -> <name>."""
    return stream_arn.split(":table/", 1)[-1].split("/", 1)[0]


def _table_name(name: str) -> str:
    return stream_table(name) if name.startswith("arn:") else name


def _saver(checkpoints: Checkpoints, mapping: str) -> Callable[[str, str], None]:
    return lambda shard, sequence: checkpoints.put(mapping, shard, sequence)


def arn_text(arn: Arn) -> str:
    return f"arn:aws:{arn.service}:{arn.region}:{arn.account}:{arn.resource}"


def _report_crash(task: asyncio.Task[None]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        error = task.exception()
        if error is not None:
            log.error("%s stopped: %s: %s", task.get_name(), type(error).__name__, error)


SERVICES = [EventSourcesService]
