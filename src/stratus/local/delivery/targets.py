"""Send one event to the AWS resource an ARN names, as the service that owns the event would.

S3 notifications, SNS subscriptions, EventBridge rules and Lambda destinations all end in
"deliver this to that ARN". Lambda targets are invoked asynchronously (the Event invocation
type), as these services do (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html);
the others are written through the local endpoint with root credentials, so the write raises
its own events in turn (an SQS message wakes that queue's pollers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from stratus.local.core.contracts import LambdaInvoker
from stratus.local.xray import propagation


class UnsupportedTargetError(ValueError):
    """An ARN of a kind no local delivery exists for (named in the message)."""


@dataclass(frozen=True)
class Arn:
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        parts = text.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            raise UnsupportedTargetError(f"not an ARN: {text!r}")
        return cls(service=parts[2], region=parts[3], account=parts[4], resource=parts[5])

    @property
    def name(self) -> str:
        """The resource's name: after 'function:', 'stream/', 'log-group:', ..."""
        for sep in (":", "/"):
            if sep in self.resource:
                kind, _, rest = self.resource.partition(sep)
                if kind in ("function", "stream", "deliverystream", "log-group", "event-bus"):
                    return rest
        return self.resource


@dataclass
class Message:
    """What is delivered: a body plus what some targets carry beside it."""

    body: str
    attributes: Mapping[str, Any] = field(default_factory=dict)  # SQS MessageAttributes shape
    subject: str | None = None
    group_id: str | None = None
    deduplication_id: str | None = None
    partition_key: str | None = None
    trace_header: str | None = None  # X-Ray's, passed on as AWS's services do (xray.propagation)


class ClientFactory(Protocol):
    def __call__(self, region: str) -> Callable[[str], Any]: ...


class Targets:
    def __init__(
        self,
        clients: ClientFactory,
        lambdas: LambdaInvoker,
        *,
        endpoint: str,
    ) -> None:
        self._clients = clients
        self._lambdas = lambdas
        self._endpoint = endpoint.rstrip("/")
        self._per_region: dict[str, Callable[[str], Any]] = {}
        self._lock = threading.Lock()

    def _aws(self, region: str) -> Callable[[str], Any]:
        with self._lock:
            if region not in self._per_region:
                self._per_region[region] = self._clients(region)
            return self._per_region[region]

    def queue_url(self, arn: Arn) -> str:
        return f"{self._endpoint}/{arn.account}/{arn.resource}"

    async def send(self, target_arn: str, message: Message) -> None:
        """Deliver `message`; raises on failure so the caller can retry or dead-letter it."""
        arn = Arn.parse(target_arn)
        if arn.service == "lambda":
            with propagation.continuing(message.trace_header):
                await self._lambdas.invoke(
                    target_arn, message.body.encode(), invocation_type="Event"
                )
            return
        await asyncio.to_thread(self._send_sync, arn, message)

    def _send_sync(self, arn: Arn, message: Message) -> None:
        aws = self._aws(arn.region)
        if arn.service == "sqs":
            params: dict[str, Any] = {"QueueUrl": self.queue_url(arn), "MessageBody": message.body}
            if message.attributes:
                params["MessageAttributes"] = dict(message.attributes)
            if message.group_id:
                params["MessageGroupId"] = message.group_id
            if message.deduplication_id:
                params["MessageDeduplicationId"] = message.deduplication_id
            if message.trace_header:
                params["MessageSystemAttributes"] = propagation.sqs_system_attributes(
                    message.trace_header
                )
            aws("sqs").send_message(**params)
        elif arn.service == "sns":
            params = {"TopicArn": str(_arn_text(arn)), "Message": message.body}
            if message.subject:
                params["Subject"] = message.subject
            if message.attributes:
                params["MessageAttributes"] = {
                    k: {key: v for key, v in value.items() if key != "StringListValues"}
                    for k, value in message.attributes.items()
                }
            if message.group_id:
                params["MessageGroupId"] = message.group_id
            with propagation.outgoing(message.trace_header):  # SNS passes it on
                propagation.traced_client(aws("sns"), message.trace_header).publish(**params)
        elif arn.service == "events":
            event = json.loads(message.body)
            entry: dict[str, Any] = {
                "Source": event.get("source", ""),
                "DetailType": event.get("detail-type", ""),
                "Detail": json.dumps(event.get("detail", {})),
                "Resources": list(event.get("resources", [])),
                "EventBusName": _arn_text(arn),
            }
            if event.get("time"):  # the event's own time (S3's), not the time it was put
                with contextlib.suppress(ValueError):
                    entry["Time"] = datetime.fromisoformat(str(event["time"]))
            with propagation.outgoing(message.trace_header):  # the next bus passes it on
                events = propagation.traced_client(aws("events"), message.trace_header)
                answer = events.put_events(Entries=[entry])
            # PutEvents reports a failed entry in its answer, not as an error of the call
            # (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
            if answer.get("FailedEntryCount"):
                failed = (answer.get("Entries") or [{}])[0]
                raise RuntimeError(
                    f"EventBridge refused the event: {failed.get('ErrorCode')} "
                    f"{failed.get('ErrorMessage')}"
                )
        elif arn.service == "kinesis":
            aws("kinesis").put_record(
                StreamName=arn.name,
                Data=message.body.encode(),
                PartitionKey=message.partition_key or _partition_key(message.body),
            )
        elif arn.service == "firehose":
            aws("firehose").put_record(
                DeliveryStreamName=arn.name, Record={"Data": message.body.encode()}
            )
        elif arn.service == "logs":
            import time

            group = arn.name.removesuffix(":*")
            logs = aws("logs")
            stream = "stratus-delivery"
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            except Exception as exc:
                if "ResourceAlreadyExists" not in type(exc).__name__ + str(exc):
                    raise
            logs.put_log_events(
                logGroupName=group,
                logStreamName=stream,
                logEvents=[{"timestamp": int(time.time() * 1000), "message": message.body}],
            )
        else:
            raise UnsupportedTargetError(f"no local delivery to {arn.service} ({_arn_text(arn)})")


def _arn_text(arn: Arn) -> str:
    return f"arn:aws:{arn.service}:{arn.region}:{arn.account}:{arn.resource}"


def _partition_key(body: str) -> str:
    import hashlib

    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
