"""SQS SendMessage, ReceiveMessage and DeleteMessage answered straight from moto's backend
over the JSON protocol boto3 speaks (`x-amz-json-1.0`) (moto 5.2.5 patch).

What upstream lacks: each call goes through `SQSResponse`: a Werkzeug request,
`setup_class` (URL parsing, the body decoded and copied into a query dict, parameters
parsed against botocore's service model), the action looked up by name, the result walked
along the output shape, then the request id set: ~0.4 ms of CPU per call where the
backend's work is a small part. And every received message costs a receipt handle of 185
letters drawn one `random.choice` at a time (~0.1 ms).

`answer(request, ...)` serves the three calls from the JSON body, calling the backend as
`SQSResponse.send_message`/`receive_message`/`delete_message` do and answering the same
status, headers (Content-Type, server, x-amzn-requestid) and `json.dumps` body — MD5OfBody,
MessageId, receipt handles, visibility are the backend's, and the request id is drawn from
moto's generator at the same point. It covers plain messages: a SendMessage without
attributes, delay, group or deduplication id; a ReceiveMessage that never waits
(WaitTimeSeconds 0, or a queue without long polling), with the system and message
attributes it names -- Lambda's SQS poller asks for all of them before every batch, and
moto's route cost it ~0.5 ms of the loop there -- its body written by the compiled walk
moto's route uses (`json_serializer.compiled_put`: blobs in message attributes base64), and
what patches add to moto's answer added alike (`RECEIVE_EXTRAS`); any DeleteMessage whose
handle the backend accepts. Anything else, and every error, returns None before any
change or draw, and moto's route answers. Tests compare both routes.

`receipt_handle()` replaces moto's `generate_receipt_handle` with the same draws from the
same generator (`Random.choice` over 26 letters is `getrandbits(5)` until below 26), without
three Python calls per letter; seeded generators give identical handles, so journals replay.

Upstream note: `generate_receipt_handle` could draw through `getrandbits` directly;
`SQSResponse` could skip the query-dict copy for JSON requests.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import string
from collections.abc import Callable
from typing import Any

from stratus.local.core.aws_request import AwsRequest
from stratus.local.motofast.direct import handler_region, json_answer, request_account

Answer = tuple[int, list[tuple[str, str]], bytes]

_CONTENT_TYPE = "application/x-amz-json-1.0"
_SEND_KEYS = frozenset({"QueueUrl", "MessageBody"})
_RECEIVE_KEYS = frozenset(
    {
        "QueueUrl",
        "MaxNumberOfMessages",
        "VisibilityTimeout",
        "WaitTimeSeconds",
        "AttributeNames",
        "MessageSystemAttributeNames",
        "MessageAttributeNames",
    }
)
_NAME_LISTS = ("AttributeNames", "MessageSystemAttributeNames", "MessageAttributeNames")
# SQSResponse.receive_message's SUPPORTED_SYSTEM_MESSAGE_ATTRIBUTE_NAMES.
_SYSTEM_ATTRIBUTES = frozenset(
    {
        "AWSTraceHeader",
        "ApproximateFirstReceiveTimestamp",
        "ApproximateReceiveCount",
        "MessageDeduplicationId",
        "MessageGroupId",
        "SenderId",
        "SentTimestamp",
        "SequenceNumber",
    }
)

ReceiveExtra = Callable[[Any, set[str], list[dict[str, Any]]], None]
RECEIVE_EXTRAS: list[ReceiveExtra] = []
"""What patches of `SQSResponse.receive_message` add to its answer, done here as well so both
routes answer alike: each is called with the queue, the system attribute names asked and the
answer's messages (sqs/moto_patches.py adds DeadLetterQueueSourceArn)."""
_DELETE_KEYS = frozenset({"QueueUrl", "ReceiptHandle"})
_REGION_IN_URL = re.compile(r"://(.+?)\.queue\.amazonaws\.com")
_LETTERS = string.ascii_lowercase
_HANDLE_LENGTH = 185  # moto.sqs.utils.generate_receipt_handle


def answer(request: AwsRequest, operation: str | None, account_id: str) -> Answer | None:
    """moto's answer to a plain SendMessage/ReceiveMessage/DeleteMessage, or None."""
    if operation not in ("SendMessage", "ReceiveMessage", "DeleteMessage"):
        return None
    headers = request.headers
    if request.method != "POST" or headers.get("content-type") != _CONTENT_TYPE:
        return None
    if headers.get("x-amz-target") != f"AmazonSQS.{operation}" or request.query_string:
        return None
    try:
        params = json.loads(request.body)
    except ValueError:
        return None
    if not isinstance(params, dict):
        return None
    backend = _backend(request, account_id)
    if backend is None:
        return None
    queue_url = params.get("QueueUrl")
    if not isinstance(queue_url, str) or not queue_url:
        return None
    queue_name = queue_url.split("/")[-1] if queue_url.startswith("http") else queue_url
    queue = backend.queues.get(queue_name)
    if queue is None:
        return None
    if operation == "SendMessage":
        result = _send(backend, queue, queue_name, params)
    elif operation == "ReceiveMessage":
        result = _receive(backend, queue, queue_name, params)
    else:
        result = _delete(backend, queue, queue_name, params)
    if result is None:
        return None
    body = result if isinstance(result, str) else json.dumps(result)  # a receive: written
    return json_answer(body.encode(), _CONTENT_TYPE)


def _backend(request: AwsRequest, account_id: str) -> Any:
    """The account's SQS backend for the request's region, as `SQSResponse` picks it, when
    moto's own IAM checks are off (else its route applies them)."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.models import mark_account_as_visited
    from moto.sqs.models import sqs_backends

    if ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
        return None
    headers = request.headers
    authorization = headers.get("authorization", "")
    if "AWS4" not in authorization or "Credential=" not in authorization:
        return None
    region = handler_region(request, _REGION_IN_URL)
    if region is None:
        return None
    account = request_account(request, account_id)
    access_key = authorization.split("Credential=", 1)[-1].split("/", 1)[0]
    try:
        backend = sqs_backends[account][region]
    except KeyError:
        return None
    mark_account_as_visited(account_id=account, access_key=access_key, service="sqs", region=region)
    return backend


def _send(backend: Any, queue: Any, queue_name: str, params: dict[str, Any]) -> Any:
    body = params.get("MessageBody")
    if set(params) - _SEND_KEYS or not isinstance(body, str) or queue.fifo_queue:
        return None
    from moto.sqs.exceptions import InvalidParameterValue

    try:  # what SQSResponse.send_message passes; validation comes before any change
        message = backend.send_message(
            queue_name,
            body,
            message_attributes={},
            delay_seconds=None,
            deduplication_id=None,
            group_id=None,
            system_attributes=None,
        )
    except InvalidParameterValue:
        return None  # moto's route answers the error
    return {"MD5OfMessageBody": message.body_md5, "MessageId": message.id}


def _receive(backend: Any, queue: Any, queue_name: str, params: dict[str, Any]) -> Any:
    if set(params) - _RECEIVE_KEYS:
        return None
    count = params.get("MaxNumberOfMessages", 1)
    wait = params.get("WaitTimeSeconds")
    visibility = params.get("VisibilityTimeout")
    for value in (count, wait, visibility):
        if value is not None and type(value) is not int:
            return None
    lists = [params.get(name, []) for name in _NAME_LISTS]
    if not all(type(v) is list and all(type(n) is str for n in v) for v in lists):
        return None
    attribute_names, system_names, message_attribute_names = lists
    if wait is None:
        try:
            wait = int(queue.receive_message_wait_time_seconds)
        except (TypeError, ValueError):
            return None
    if visibility is None:
        visibility = queue.visibility_timeout  # as SQSResponse passes it
    elif not 0 <= visibility <= 43200:
        return None
    if not 1 <= count <= 10 or wait != 0:
        return None
    walk = _receive_walk()
    if walk is None:
        return None
    messages = backend.receive_message(queue_name, count, 0, visibility, message_attribute_names)
    asked = set(attribute_names + system_names)
    included = _SYSTEM_ATTRIBUTES if "All" in asked else _SYSTEM_ATTRIBUTES & asked
    out = [_received(message, included) for message in messages]
    for extra in RECEIVE_EXTRAS:
        extra(queue, asked, out)
    return _written(walk, {"Messages": out} if out else {})


def _received(message: Any, included: frozenset[str]) -> dict[str, Any]:
    """One message of the answer, as `SQSResponse.receive_message` builds it."""
    answer: dict[str, Any] = {
        "MessageId": message.id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.body_md5,
        "Body": message.body,
    }
    if len(message.message_attributes):
        answer["MessageAttributes"] = message.message_attributes
        answer["MD5OfMessageAttributes"] = message.attribute_md5
    if not included:
        return answer
    attributes: dict[str, Any] = {}  # in the order moto adds them
    if "SenderId" in included:
        attributes["SenderId"] = message.sender_id
    if "SentTimestamp" in included:
        attributes["SentTimestamp"] = str(message.sent_timestamp)
    if "ApproximateReceiveCount" in included:
        attributes["ApproximateReceiveCount"] = str(message.approximate_receive_count)
    if "ApproximateFirstReceiveTimestamp" in included:
        first = message.approximate_first_receive_timestamp
        attributes["ApproximateFirstReceiveTimestamp"] = str(first)
    if "MessageDeduplicationId" in included and message.deduplication_id is not None:
        attributes["MessageDeduplicationId"] = message.deduplication_id
    if "MessageGroupId" in included and message.group_id is not None:
        attributes["MessageGroupId"] = message.group_id
    if "AWSTraceHeader" in included:
        trace = (message.system_attributes or {}).get("AWSTraceHeader")
        if trace:
            attributes["AWSTraceHeader"] = trace.get("StringValue")
    if "SequenceNumber" in included and message.sequence_number is not None:
        attributes["SequenceNumber"] = message.sequence_number
    answer["Attributes"] = attributes
    return answer


def _written(walk: Callable[[dict[str, Any], Any, str], None], result: Any) -> str:
    """The receive's body by the compiled walk moto's route uses (blobs base64)."""
    serialized: dict[str, Any] = {}
    try:
        walk(serialized, result, "")
    except Exception:  # not plain after all; the messages are received: answer anyway
        return json.dumps(result, default=_blob)
    return json.dumps(serialized)


def _blob(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@functools.cache
def _receive_walk() -> Callable[[dict[str, Any], Any, str], None] | None:
    from moto.core.responses import get_service_model

    from stratus.local.motofast.json_serializer import compiled_put

    # moto's own model of the operation, as its route compiles it
    return compiled_put(get_service_model("sqs").operation_model("ReceiveMessage"))


def _delete(backend: Any, queue: Any, queue_name: str, params: dict[str, Any]) -> Any:
    handle = params.get("ReceiptHandle")
    if set(params) - _DELETE_KEYS or not isinstance(handle, str):
        return None
    from stratus.local.motofast.sqs_queue import knows_handle

    if not knows_handle(queue, handle):
        return None  # moto's route: an old or bad handle, and its error
    backend.delete_message(queue_name, handle)
    return {}


def receipt_handle() -> str:
    """moto's `generate_receipt_handle`: the same letters from the same draws."""
    from moto.moto_api._internal import mock_random

    bits = getattr(mock_random, "_bits", None)
    getrandbits = bits() if bits is not None else mock_random.getrandbits
    chosen: list[str] = []
    while len(chosen) < _HANDLE_LENGTH:
        drawn = getrandbits(5)
        if drawn < 26:
            chosen.append(_LETTERS[drawn])
    return "".join(chosen)


def install() -> None:
    import moto.sqs.models as models

    if getattr(models.generate_receipt_handle, "_stratus_fast", False):
        return
    receipt_handle._stratus_fast = True  # type: ignore[attr-defined]
    receipt_handle.__wrapped__ = models.generate_receipt_handle  # type: ignore[attr-defined]
    models.generate_receipt_handle = receipt_handle
