"""Usage from AWS API calls: after-hooks on the AWS endpoint (one dict update each).

DynamoDB's hook only queues the call's raw request and answer (`deferred`): decoding them and
sizing every item runs when the totals are read or saved, off the request path, with the
same arithmetic.

Only answered calls (status < 400) reach after-hooks, so failed calls are not counted
(AWS bills some of those too; an estimate errs low there). The DynamoDB arithmetic is in
`units`; the billing classes cited per function.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from starlette.responses import Response

from stratus.local.core.call import AwsCall
from stratus.local.core.registry import Hook
from stratus.local.usage import units
from stratus.local.usage.recorder import UsageRecorder

CHUNK_BYTES = 64 * 1024  # SQS, SNS and EventBridge bill each 64 KB of a payload as a request
PAYLOAD_UNIT_BYTES = 25 * 1024  # a Kinesis PUT payload unit: each 25 KB of a record


def _body(raw: bytes) -> dict[str, Any]:
    """A JSON answer's object ({} when it is none). orjson: a 20-item Query's answer is
    parsed on every call, in a quarter of `json.loads`'s time."""
    if not raw:
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(raw)  # what orjson refuses and json reads (NaN, big numbers)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _table(name: Any) -> str:
    text = str(name or "")
    return text.split(":table/", 1)[1].split("/", 1)[0] if ":table/" in text else text


class CallUsage:
    """Turns answered calls into usage totals."""

    def __init__(self, usage: UsageRecorder) -> None:
        self.usage = usage
        self._dynamodb_ops: dict[str, Callable[[str, dict[str, Any], bytes], None]] = {
            "GetItem": self._get_item,
            "Query": self._query_or_scan,
            "Scan": self._query_or_scan,
            "BatchGetItem": self._batch_get,
            "TransactGetItems": self._transact_get,
            "PutItem": self._put_item,
            "UpdateItem": self._update_or_delete,
            "DeleteItem": self._update_or_delete,
            "BatchWriteItem": self._batch_write,
            "TransactWriteItems": self._transact_write,
        }

    def hooks(self) -> Iterable[Hook]:
        return [
            Hook("dynamodb", None, after=self._dynamodb),
            Hook("s3", None, after=self._s3),
            Hook("ses", None, after=self._email),
            Hook("sesv2", None, after=self._email),
            Hook("kinesis", None, after=self._kinesis),
            *(Hook(s, None, after=self._messaging) for s in ("sqs", "sns", "events")),
        ]

    # -- DynamoDB -------------------------------------------------------------------
    def _table_units(
        self, region: str, table: str, *, read: float = 0.0, write: float = 0.0, **extra: float
    ) -> None:
        info = {"name": table, "region": region}
        self.usage.add(
            "tables",
            f"{region}/{table}",
            info,
            read_units=read,
            write_units=write,
            reads=1.0 if read else 0.0,
            writes=1.0 if write else 0.0,
            **extra,
        )

    async def _dynamodb(self, call: AwsCall, response: Response) -> None:
        """Request units per table as DynamoDB bills them (see `units`), counted later."""
        handler = self._dynamodb_ops.get(call.operation or "")
        if handler is None or not self.usage.enabled:
            return
        request = call.request.body or b""
        answer = getattr(response, "body", b"") or b""
        size = len(request) + len(answer)
        self.usage.defer(self._count_dynamodb, handler, call.region, request, answer, size=size)

    @staticmethod
    def _count_dynamodb(
        handler: Callable[[str, dict[str, Any], bytes], None],
        region: str,
        request: bytes,
        answer: bytes,
    ) -> None:
        handler(region, _body(request), answer)

    def _get_item(self, region: str, params: dict[str, Any], answer: bytes) -> None:
        consistent = bool(params.get("ConsistentRead"))
        size = units.item_size(_body(answer).get("Item"))
        units_read = units.read_units(size, consistent=consistent)
        kind = "strong_reads" if consistent else "eventual_reads"
        self._table_units(
            region, _table(params.get("TableName")), read=units_read, read_bytes=size, **{kind: 1.0}
        )

    def _query_or_scan(self, region: str, params: dict[str, Any], answer: bytes) -> None:
        """Query and Scan bill the items they evaluate, before a filter drops any: the
        returned items' sizes, scaled by ScannedCount / Count when a filter dropped some."""
        body = _body(answer)
        items = body.get("Items") or []
        consistent = bool(params.get("ConsistentRead"))
        size = sum(units.item_size(i) for i in items)
        count, scanned = body.get("Count"), body.get("ScannedCount")
        if items and isinstance(count, int) and isinstance(scanned, int) and scanned > count:
            size = math.ceil(size * scanned / max(count, 1))
        kind = "strong_reads" if consistent else "eventual_reads"
        self._table_units(
            region,
            _table(params.get("TableName")),
            read=units.read_units(size, consistent=consistent),
            read_bytes=size,
            **{kind: 1.0},
        )

    def _batch_get(self, region: str, params: dict[str, Any], answer: bytes) -> None:
        requested = params.get("RequestItems") or {}
        for table, items in (_body(answer).get("Responses") or {}).items():
            spec = requested.get(table) if isinstance(requested, dict) else None
            consistent = bool(isinstance(spec, dict) and spec.get("ConsistentRead"))
            read = units.items_read_units(items or [], consistent=consistent, each=True)
            if read:
                self._table_units(region, _table(table), read=read)

    def _transact_get(self, region: str, params: dict[str, Any], answer: bytes) -> None:
        answers = _body(answer).get("Responses") or []
        for index, entry in enumerate(params.get("TransactItems") or []):
            table = _table((entry.get("Get") or {}).get("TableName"))
            item = answers[index].get("Item") if index < len(answers) else None
            read = units.read_units(units.item_size(item), transactional=True)
            self._table_units(region, table, read=read, transactional=1.0)

    def _put_item(self, region: str, params: dict[str, Any], answer: bytes) -> None:
        size = units.item_size(params.get("Item"))
        self._table_units(
            region, _table(params.get("TableName")), write=units.write_units(size), write_bytes=size
        )

    def _update_or_delete(self, region: str, params: dict[str, Any], answer: bytes) -> None:
        """AWS bills the larger of the item before and after; without the old image (moto
        keeps it) the key and the values sent, or the attributes returned, stand in."""
        sent = units.item_size(params.get("Key")) + sum(
            units.value_size(v) for v in (params.get("ExpressionAttributeValues") or {}).values()
        )
        size = max(sent, units.item_size(_body(answer).get("Attributes")))
        self._table_units(
            region, _table(params.get("TableName")), write=units.write_units(size), write_bytes=size
        )

    def _batch_write(self, region: str, params: dict[str, Any], answer: bytes) -> None:
        for table, requests in (params.get("RequestItems") or {}).items():
            write = 0.0
            for request in requests or []:
                put = (request.get("PutRequest") or {}).get("Item")
                key = (request.get("DeleteRequest") or {}).get("Key")
                write += units.write_units(units.item_size(put or key))
            if write:
                self._table_units(region, _table(table), write=write)

    def _transact_write(self, region: str, params: dict[str, Any], answer: bytes) -> None:
        for entry in params.get("TransactItems") or []:
            for action in ("Put", "Update", "Delete", "ConditionCheck"):
                spec = entry.get(action)
                if isinstance(spec, dict):
                    size = units.item_size(spec.get("Item") or spec.get("Key"))
                    write = units.write_units(size, transactional=True)
                    self._table_units(
                        region, _table(spec.get("TableName")), write=write, transactional=1.0
                    )

    # -- S3 -------------------------------------------------------------------------
    async def _s3(self, call: AwsCall, response: Response) -> None:
        """S3 request classes (https://aws.amazon.com/s3/pricing/): PUT, COPY, POST and LIST
        requests in one tier, GET, SELECT and all others in the other; DELETE and CANCEL
        are free. Bytes out: the GetObject bodies (data transfer out)."""
        op = call.operation or ""
        bucket = call.labels.get("Bucket")
        if not bucket or op.startswith("Delete") or op == "AbortMultipartUpload":
            return
        put_class = op.startswith(("Put", "Copy", "Post", "List", "Create", "Upload", "Complete"))
        counts = {"put_requests" if put_class else "get_requests": 1.0}
        if op == "GetObject":
            counts["bytes_out"] = float(response.headers.get("content-length") or 0)
        elif op in ("PutObject", "UploadPart"):
            counts["bytes_in"] = float(len(call.request.body))
        self.usage.add("buckets", bucket, {"name": bucket, "region": call.region}, **counts)

    # -- SES ------------------------------------------------------------------------
    async def _email(self, call: AwsCall, response: Response) -> None:
        """SES bills each recipient of a message as one e-mail
        (https://aws.amazon.com/ses/pricing/)."""
        op = call.operation or ""
        if not op.startswith("Send") or "Email" not in op:
            return
        params = call.params()
        if call.protocol == "query":  # SES v1: Destination.ToAddresses.member.1 ...
            recipients = sum(
                1
                for k in params
                if k.startswith(("Destination.", "Destinations.member.")) and ".member." in k
            )
        else:  # SES v2: {"Destination": {"ToAddresses": [...], ...}}
            dest = params.get("Destination") or {}
            recipients = sum(len(dest.get(k) or []) for k in dest) if isinstance(dest, dict) else 0
            recipients += len(params.get("BulkEmailEntries") or [])
        self.usage.add(
            "email", call.region, {"region": call.region}, messages=1, recipients=max(1, recipients)
        )

    async def _kinesis(self, call: AwsCall, response: Response) -> None:
        kinesis_usage(self.usage, call, response)

    # -- SQS, SNS, EventBridge ------------------------------------------------------
    async def _messaging(self, call: AwsCall, response: Response) -> None:
        """Requests per service; billed requests count each 64 KB of a payload: every SQS
        action, SNS publishes, EventBridge PutEvents entries
        (https://aws.amazon.com/sqs/pricing/, /sns/pricing/, /eventbridge/pricing/)."""
        service, op = call.service or "", call.operation or ""
        chunks = max(1, math.ceil(len(call.request.body) / CHUNK_BYTES))
        billed = 0.0
        if service == "sqs" or (service == "sns" and op.startswith("Publish")):
            billed = float(chunks)
        elif service == "events" and op == "PutEvents":
            billed = float(max(len(call.params().get("Entries") or []), chunks))
        self.usage.add(
            "messaging",
            f"{call.region}/{service}",
            {"service": service, "region": call.region},
            requests=1.0,
            billed_requests=billed,
        )


# -- Kinesis Data Streams -------------------------------------------------------------
def _stream(params: dict[str, Any]) -> str:
    name = params.get("StreamName")
    if isinstance(name, str) and name:
        return name
    arn = str(params.get("StreamARN") or "")
    return arn.split(":stream/", 1)[1] if ":stream/" in arn else arn


def _record_bytes(record: dict[str, Any]) -> int:
    """A record's size: its data blob (base64 in JSON, raw in CBOR) plus its partition key."""
    data = record.get("Data")
    if isinstance(data, bytes | bytearray):
        size = len(data)
    else:
        try:
            size = len(base64.b64decode(str(data or ""), validate=False))
        except (binascii.Error, ValueError):
            size = len(str(data or "").encode())
    return size + len(str(record.get("PartitionKey") or "").encode())


def _kinesis_puts(call: AwsCall, response: Response) -> list[int]:
    """The sizes of the records a PutRecord/PutRecords call stored (failed entries left out)."""
    params = call.params()
    if call.operation == "PutRecord":
        return [_record_bytes(params)]
    if call.operation != "PutRecords":
        return []
    answers = _body(bytes(response.body)).get("Records") or []
    sizes = []
    for index, record in enumerate(params.get("Records") or []):
        answer = answers[index] if index < len(answers) else {}
        if isinstance(record, dict) and not (isinstance(answer, dict) and answer.get("ErrorCode")):
            sizes.append(_record_bytes(record))
    return sizes


def kinesis_usage(usage: UsageRecorder, call: AwsCall, response: Response) -> None:
    """Records and PUT payload units per stream: each record bills one unit per 25 KB started
    (a 5 KB record is one unit, a 45 KB record two;
    https://aws.amazon.com/kinesis/data-streams/pricing/)."""
    sizes = _kinesis_puts(call, response)
    if not sizes:
        return
    stream = _stream(call.params())
    usage.add(
        "streams",
        f"{call.region}/{stream}",
        {"name": stream, "region": call.region},
        records=float(len(sizes)),
        payload_units=float(sum(max(1, math.ceil(s / PAYLOAD_UNIT_BYTES)) for s in sizes)),
        bytes_in=float(sum(sizes)),
    )
