"""Which moto calls are short enough to answer on the event loop, without a thread hop.

Handing a request to a worker thread and back costs two context switches and a wait for the
GIL (measured in bench.rawcalls), as much as moto's whole work for a GetItem. The calls
below take well under a millisecond in moto (with the other motofast patches) and never wait:
the item and object operations of DynamoDB and S3 (bodies up to 1 MiB), and SQS operations
that do not long-poll. Everything else stays in a thread: scans, list and control-plane
calls, large bodies, a ReceiveMessage that may wait (WaitTimeSeconds, or the queue's
ReceiveMessageWaitTimeSeconds, above zero), and Cognito sign-ins whose triggers wait for the
event loop themselves.

Journaled writes among them run on the loop too, when the journal's write lock is free at
once (`DurableState.try_apply`); otherwise they wait for it in a thread, as every write did.
"""

from __future__ import annotations

import json
from typing import Any

from stratus.local.core.call import AwsCall

MAX_INLINE_BODY = 1024 * 1024

SHORT: dict[str, frozenset[str]] = {
    "dynamodb": frozenset(
        {
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "BatchGetItem",
            "BatchWriteItem",
            "TransactGetItems",
            "TransactWriteItems",
            "DescribeTable",
        }
    ),
    "s3": frozenset({"GetObject", "HeadObject", "PutObject", "DeleteObject", "HeadBucket"}),
    "sqs": frozenset(
        {
            "SendMessage",
            "SendMessageBatch",
            "DeleteMessage",
            "DeleteMessageBatch",
            "ChangeMessageVisibility",
            "ChangeMessageVisibilityBatch",
            "GetQueueUrl",
            "GetQueueAttributes",
        }
    ),
}


def is_short(call: AwsCall | None, account_id: str) -> bool:
    """Whether moto answers `call` at once (so it may run on the event loop)."""
    if call is None or call.service is None or call.operation is None:
        return False
    if len(call.request.body) > MAX_INLINE_BODY:
        return False
    if call.operation in SHORT.get(call.service, ()):
        return True
    if call.service == "sqs" and call.operation == "ReceiveMessage":
        account = call.request.headers.get("x-moto-account-id", account_id)
        return _receive_never_waits(call, account)
    return False


def _receive_never_waits(call: AwsCall, account_id: str) -> bool:
    params = _json_or_form(call)
    wait = params.get("WaitTimeSeconds")
    if wait is not None:
        return str(wait) == "0"
    url = str(params.get("QueueUrl") or "")
    try:
        from moto.sqs.models import sqs_backends

        queues = sqs_backends[account_id][call.region].queues
        queue: Any = queues[url.rstrip("/").rsplit("/", 1)[-1]]
        return int(queue.receive_message_wait_time_seconds or 0) == 0
    except (KeyError, ValueError, TypeError):
        return False  # moto will say what is wrong; from a thread


def _json_or_form(call: AwsCall) -> dict[str, Any]:
    if call.protocol == "json":
        try:
            value = json.loads(call.request.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return dict(call.form())
