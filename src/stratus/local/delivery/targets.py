"""Send one event to the AWS resource an ARN names, as the service that owns the event would.

S3 notifications, SNS subscriptions, EventBridge rules and Lambda destinations all end in
"deliver this to that ARN". Lambda targets are invoked asynchronously (the Event invocation
type), as these services do (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html);
the others are written through the local endpoint with root credentials (in-process where
it can: `Targets`), so the write raises its own events in turn (an SQS message wakes that
queue's pollers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from botocore import xform_name
from botocore.exceptions import ClientError

from stratus.local.core.contracts import LambdaInvoker
from stratus.local.core.service_call import LocalEndpoint, ServiceCaller, ServiceCallError
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
    """Delivers to any target. Lambda is invoked directly; SNS is published through a boto3
    client (its query protocol); the JSON-protocol services (SQS, EventBridge, Kinesis,
    Firehose, CloudWatch Logs) are called in-process when `local` (the endpoint's handler)
    is given -- on the event loop, no thread, client or loopback HTTP
    (`core.service_call`) -- else through boto3 clients too."""

    def __init__(
        self,
        clients: ClientFactory,
        lambdas: LambdaInvoker,
        *,
        endpoint: str,
        local: LocalEndpoint | None = None,
    ) -> None:
        self._clients = clients
        self._lambdas = lambdas
        self._endpoint = endpoint.rstrip("/")
        self._local = local
        self._callers: dict[tuple[str, str], ServiceCaller] = {}
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
        if self._local is None or arn.service not in _IN_PROCESS:
            await asyncio.to_thread(self._send_sync, arn, message)
            return
        caller = self._caller(arn)
        headers = {"X-Amzn-Trace-Id": message.trace_header} if message.trace_header else None
        for operation, params, tolerated in _calls(self, arn, message):
            try:
                answer = await caller.call_shaped(operation, params, headers=headers)
            except ServiceCallError as exc:
                if exc.code not in tolerated:
                    raise
                continue
            _check_answer(operation, answer)

    def _caller(self, arn: Arn) -> ServiceCaller:
        assert self._local is not None
        key = (arn.service, arn.region)
        if key not in self._callers:
            host = urlsplit(self._endpoint).netloc
            self._callers[key] = ServiceCaller(
                self._local, arn.service, region=arn.region, host=host
            )
        return self._callers[key]

    def _send_sync(self, arn: Arn, message: Message) -> None:
        aws = self._aws(arn.region)
        if arn.service == "sns":
            params: dict[str, Any] = {"TopicArn": str(_arn_text(arn)), "Message": message.body}
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
            return
        for operation, params, tolerated in _calls(self, arn, message):
            client = propagation.traced_client(aws(arn.service), message.trace_header)
            try:
                with propagation.outgoing(message.trace_header):  # the next service passes it on
                    answer = getattr(client, xform_name(operation))(**params)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in tolerated:
                    raise
                continue
            _check_answer(operation, answer)


# The services a delivery writes to over the AWS JSON protocol (`Targets.send` in-process).
_IN_PROCESS = frozenset({"sqs", "events", "kinesis", "firehose", "logs"})
_Call = tuple[str, dict[str, Any], frozenset[str]]  # operation, boto3-shaped params, codes ok


def _calls(targets: Targets, arn: Arn, message: Message) -> list[_Call]:
    """The calls that deliver `message` to `arn` (SNS aside), with the error codes a call
    may meet without failing the delivery."""
    none: frozenset[str] = frozenset()
    if arn.service == "sqs":
        params: dict[str, Any] = {"QueueUrl": targets.queue_url(arn), "MessageBody": message.body}
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
        return [("SendMessage", params, none)]
    if arn.service == "events":
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
        return [("PutEvents", {"Entries": [entry]}, none)]
    if arn.service == "kinesis":
        key = message.partition_key or _partition_key(message.body)
        params = {"StreamName": arn.name, "Data": message.body.encode(), "PartitionKey": key}
        return [("PutRecord", params, none)]
    if arn.service == "firehose":
        record = {"DeliveryStreamName": arn.name, "Record": {"Data": message.body.encode()}}
        return [("PutRecord", record, none)]
    if arn.service == "logs":
        group = arn.name.removesuffix(":*")
        stream = {"logGroupName": group, "logStreamName": "stratus-delivery"}
        event = {"timestamp": int(time.time() * 1000), "message": message.body}
        return [
            ("CreateLogStream", stream, frozenset({"ResourceAlreadyExistsException"})),
            ("PutLogEvents", {**stream, "logEvents": [event]}, none),
        ]
    raise UnsupportedTargetError(f"no local delivery to {arn.service} ({_arn_text(arn)})")


def _check_answer(operation: str, answer: Mapping[str, Any]) -> None:
    """PutEvents reports a failed entry in its answer, not as an error of the call
    (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html)."""
    if operation == "PutEvents" and answer.get("FailedEntryCount"):
        failed = (answer.get("Entries") or [{}])[0]
        raise RuntimeError(
            f"EventBridge refused the event: {failed.get('ErrorCode')} {failed.get('ErrorMessage')}"
        )


def _arn_text(arn: Arn) -> str:
    return f"arn:aws:{arn.service}:{arn.region}:{arn.account}:{arn.resource}"


def _partition_key(body: str) -> str:
    import hashlib

    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()
