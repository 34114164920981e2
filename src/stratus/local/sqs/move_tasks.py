"""SQS message move tasks: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask.

moto 5.2.5 answers none of them, and they are how a dead-letter queue is redriven from the
SDK, the CLI and the AWS console. As AWS documents them
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html,
.../API_ListMessageMoveTasks.html, .../API_CancelMessageMoveTask.html):

* the source must be a dead-letter queue of other SQS queues, and only one task may be
  active per source queue (else UnsupportedOperation); a queue that does not exist is
  ResourceNotFoundException;
* with no DestinationArn each message goes back to the queue it came from (its
  DeadLetterQueueSourceArn, sqs/moto_patches.py); MaxNumberOfMessagesPerSecond is at most
  500, and without it the rate is the system's (here: as fast as the calls go);
* the task runs asynchronously and moves the messages the queue held when it started;
  ListMessageMoveTasks answers the newest tasks first (MaxResults 1 to 10, default 1), with a
  TaskHandle only while RUNNING; only a RUNNING task can be cancelled, which keeps what
  was moved.

The move itself is `redrive.move_messages` through the local endpoint's own SQS API, so
each receive, send and delete is journaled like any client's (a restart replays them);
the task records are kept in memory (a task in flight at a stop leaves its remaining
messages in the dead-letter queue, visible again after the move's visibility timeout).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.registry import Hook
from stratus.local.sqs import redrive

log = logging.getLogger("stratus.sqs")
JSON = "application/x-amz-json-1.0"
MAX_RATE = 500
KEPT_PER_QUEUE = 10  # ListMessageMoveTasks answers at most 10


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class MoveTask:
    handle: str
    source_arn: str
    destination_arn: str | None
    per_second: int | None
    started_ms: int
    status: str = "RUNNING"  # RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
    moved: int = 0
    to_move: int = 0
    failure: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Status": self.status,
            "SourceArn": self.source_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": self.started_ms,
        }
        if self.status == "RUNNING":
            out["TaskHandle"] = self.handle
        if self.destination_arn:
            out["DestinationArn"] = self.destination_arn
        if self.per_second:
            out["MaxNumberOfMessagesPerSecond"] = self.per_second
        if self.failure:
            out["FailureReason"] = self.failure
        return out


def _answer(body: dict[str, Any]) -> Response:
    return Response(
        json.dumps(body), media_type=JSON, headers={"x-amzn-RequestId": str(uuid.uuid4())}
    )


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise _Refused("MissingParameter", f"The request must contain the parameter {name}.")
    return value


def _arn_parts(arn: Any, what: str) -> tuple[str, str, str]:
    """(region, account, name) of an SQS queue ARN."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not parts[5]:
        raise _Refused("ResourceNotFoundException", f"{what} is not an SQS queue ARN: {arn!r}")
    return parts[3], parts[4], parts[5]


class MoveTasks:
    """The three operations' hooks; `sqs_client(region)` is a root SQS client there."""

    def __init__(self, sqs_client: Callable[[str], Any]) -> None:
        self._client = sqs_client
        self._lock = threading.Lock()
        self._tasks: dict[str, list[MoveTask]] = {}  # source ARN -> newest first
        self._running: set[asyncio.Task[None]] = set()

    def hooks(self) -> list[Hook]:
        return [
            Hook("sqs", "StartMessageMoveTask", before=self._guarded(self.start)),
            Hook("sqs", "ListMessageMoveTasks", before=self._guarded(self.list)),
            Hook("sqs", "CancelMessageMoveTask", before=self._guarded(self.cancel)),
        ]

    def _guarded(self, operation: Callable[[AwsCall], Any]) -> Any:
        async def hook(call: AwsCall) -> Response:
            try:
                return await operation(call)
            except _Refused as refused:
                return call.error(refused.code, refused.message, query_compatible=refused.code)

        return hook

    def _url(self, arn: str, what: str) -> str:
        region, account, name = _arn_parts(arn, what)
        try:
            return str(
                self._client(region).get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)[
                    "QueueUrl"
                ]
            )
        except ClientError as exc:
            raise _Refused(
                "ResourceNotFoundException", f"The {what.lower()} queue {name} does not exist."
            ) from exc

    # -- operations ----------------------------------------------------------------------
    async def start(self, call: AwsCall) -> Response:
        params = call.params()
        source_arn = _required(params, "SourceArn")
        destination_arn = params.get("DestinationArn") or None
        rate = params.get("MaxNumberOfMessagesPerSecond")
        if rate is not None and (type(rate) is not int or not 1 <= rate <= MAX_RATE):
            raise _Refused(
                "InvalidParameterValue",
                f"MaxNumberOfMessagesPerSecond must be between 1 and {MAX_RATE}.",
            )
        source_url, destination_url, fallback_url, count = await asyncio.to_thread(
            self._check, source_arn, destination_arn
        )
        with self._lock:
            tasks = self._tasks.setdefault(source_arn, [])
            if any(t.status in ("RUNNING", "CANCELLING") for t in tasks):
                raise _Refused(
                    "UnsupportedOperation",
                    "There is already a task running. Only one active task is allowed for a "
                    "source queue arn at a given time.",
                )
            handle = base64.b64encode(
                json.dumps({"taskId": str(uuid.uuid4()), "sourceArn": source_arn}).encode()
            ).decode()
            task = MoveTask(handle, source_arn, destination_arn, rate, int(time.time() * 1000))
            task.to_move = count
            tasks.insert(0, task)
            del tasks[KEPT_PER_QUEUE:]
        region = _arn_parts(source_arn, "Source")[0]
        job = asyncio.create_task(
            asyncio.to_thread(self._run, task, region, source_url, destination_url, fallback_url)
        )
        self._running.add(job)
        job.add_done_callback(self._running.discard)
        return _answer({"TaskHandle": handle})

    def _check(
        self, source_arn: Any, destination_arn: Any
    ) -> tuple[str, str | None, str | None, int]:
        """The source's URL (it must be a DLQ of SQS queues), the destination's, the one
        source a message without a recorded one goes back to, and the messages to move."""
        source_url = self._url(source_arn, "Source")
        sqs = self._client(_arn_parts(source_arn, "Source")[0])
        sources = sqs.list_dead_letter_source_queues(QueueUrl=source_url).get("queueUrls", [])
        if not sources:
            raise _Refused(
                "UnsupportedOperation", "Source queue must be configured as a Dead Letter Queue."
            )
        destination_url = (
            None if destination_arn is None else self._url(destination_arn, "Destination")
        )
        attributes = sqs.get_queue_attributes(
            QueueUrl=source_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        fallback = str(sources[0]) if len(sources) == 1 else None
        return source_url, destination_url, fallback, int(attributes["ApproximateNumberOfMessages"])

    def _run(
        self,
        task: MoveTask,
        region: str,
        source_url: str,
        destination_url: str | None,
        fallback_url: str | None,
    ) -> None:
        def progress(result: redrive.MoveResult) -> None:
            task.moved = result.moved

        try:
            result = redrive.move_messages(
                self._client(region),
                source_url,
                destination_url,
                limit=task.to_move,
                on_progress=progress,
                fallback_url=fallback_url,
                stop=task.cancel.is_set,
                per_second=task.per_second,
            )
        except (redrive.RedriveError, ClientError, BotoCoreError) as exc:
            task.status, task.failure = "FAILED", str(exc)
            return
        task.moved = result.moved
        if result.errors:
            task.status, task.failure = "FAILED", result.errors[0]
        elif task.cancel.is_set():
            task.status = "CANCELLED"
        else:
            task.status = "COMPLETED"
        log.info("message move task of %s: %s, %d moved", task.source_arn, task.status, task.moved)

    async def list(self, call: AwsCall) -> Response:
        params = call.params()
        source_arn = _required(params, "SourceArn")
        limit = params.get("MaxResults", 1)
        if type(limit) is not int or not 1 <= limit <= KEPT_PER_QUEUE:
            raise _Refused("InvalidParameterValue", "MaxResults must be between 1 and 10.")
        await asyncio.to_thread(self._url, source_arn, "Source")
        with self._lock:
            tasks = list(self._tasks.get(source_arn, []))[:limit]
        return _answer({"Results": [t.entry() for t in tasks]})

    async def cancel(self, call: AwsCall) -> Response:
        handle = call.params().get("TaskHandle")
        with self._lock:
            found = [t for ts in self._tasks.values() for t in ts if t.handle == handle]
            if not found:
                raise _Refused("ResourceNotFoundException", "The task handle does not exist.")
            task = found[0]
            if task.status != "RUNNING":
                raise _Refused(
                    "UnsupportedOperation",
                    f"Only a RUNNING task can be cancelled; this one is {task.status}.",
                )
            task.status = "CANCELLING"
            task.cancel.set()
        return _answer({"ApproximateNumberOfMessagesMoved": task.moved})

    async def aclose(self) -> None:
        for task in [t for ts in self._tasks.values() for t in ts]:
            task.cancel.set()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
