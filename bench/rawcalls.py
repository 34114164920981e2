"""Raw AWS calls through boto3, the figures issue 7 compares with the peer.

`prepare(endpoint)` seeds its own resources — a DynamoDB table of ~5,100 to-do sized items
over 251 partitions, a bucket, an SQS queue holding 1,000 messages — and returns one `Op` per
call: PutItem, GetItem, Query of 20 and of 100 items, S3 PutObject / GetObject of 10 KB, SQS
send + receive + delete, and Query-20 from 4 threads at once (latency per request).
`run(endpoint)` measures every op against one endpoint; bench/interleave.py alternates
blocks of the same ops between endpoints. `endpoint=None` gives clients with no endpoint
URL: what moto's `mock_aws` intercepts in-process.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from bench.stats import Series

N = 200
WARMUP = 10
THREADS = 4
PARTITIONS = 250  # 250 x 20 items + one partition of 100: ~5,100 items
QUEUE_DEPTH = 1_000
PAYLOAD = os.urandom(10 * 1024)


@dataclass
class Op:
    """One kind of call: `call(i)` makes call number i (negative during warm-up)."""

    name: str
    call: Callable[[int], Any]
    n: int = N
    threads: int = 1


def clients(endpoint: str | None) -> Callable[[str], Any]:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    options: dict[str, Any] = {
        "retries": {"max_attempts": 1},
        "s3": {"addressing_style": "path"},
        "max_pool_connections": THREADS * 2,
        # with no endpoint, ignore AWS_ENDPOINT_URL (the bench process may have set it)
        "ignore_configured_endpoint_urls": endpoint is None,
    }
    config = Config(**options)
    typed_session: Any = session
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = typed_session.client(service, endpoint_url=endpoint, config=config)
        return cache[service]

    return client


def item(pk: str, sk: str) -> dict[str, Any]:
    """A to-do sized item: strings, a number, a bool, a list and a map."""
    return {
        "pk": {"S": pk},
        "sk": {"S": sk},
        "title": {"S": f"to-do {sk} for {pk}"},
        "notes": {"S": "x" * 60},
        "done": {"BOOL": False},
        "rank": {"N": str(len(sk) * 7)},
        "tags": {"L": [{"S": "home"}, {"S": "work"}]},
        "meta": {"M": {"created": {"S": "2026-01-01T00:00:00Z"}, "v": {"N": "1"}}},
    }


def seed_table(ddb: Any, partitions: int = PARTITIONS) -> str:
    """A new table: `partitions` users of 20 items each plus `user-big` with 100 items."""
    table = f"bench-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=table,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    layout = [(f"user-{p:04d}", 20) for p in range(partitions)] + [("user-big", 100)]
    for pk, count in layout:
        for chunk in range(0, count, 25):
            requests = [
                {"PutRequest": {"Item": item(pk, f"todo-{i:04d}")}}
                for i in range(chunk, min(count, chunk + 25))
            ]
            ddb.batch_write_item(RequestItems={table: requests})
    return table


def query_op(ddb: Any, table: str, pk: str, expect: int) -> Callable[[int], None]:
    def call(_: int) -> None:
        got = ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": pk}},
        )
        if got["Count"] != expect:
            raise RuntimeError(f"Query {pk} returned {got['Count']} items, not {expect}")

    return call


def query_ops(ddb: Any, table: str) -> list[Op]:
    return [
        Op("DynamoDB Query 20 items", query_op(ddb, table, "user-0100", 20), n=N // 2),
        Op("DynamoDB Query 100 items", query_op(ddb, table, "user-big", 100), n=N // 4),
    ]


def dynamodb_ops(aws: Callable[[str], Any]) -> list[Op]:
    ddb = aws("dynamodb")
    table = seed_table(ddb)
    return [
        Op(
            "DynamoDB PutItem",
            lambda i: ddb.put_item(TableName=table, Item=item("user-put", f"todo-{i:+06d}")),
        ),
        Op(
            "DynamoDB GetItem",
            lambda i: ddb.get_item(
                TableName=table, Key={"pk": {"S": "user-0007"}, "sk": {"S": "todo-0003"}}
            ),
        ),
        *query_ops(ddb, table),
        Op(
            f"DynamoDB Query 20 items, {THREADS} threads",
            query_op(ddb, table, "user-0200", 20),
            n=N // 2,
            threads=THREADS,
        ),
    ]


def s3_ops(aws: Callable[[str], Any]) -> list[Op]:
    s3 = aws("s3")
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    for i in range(50):  # GetObject reads keys PutObject may not have written yet
        s3.put_object(Bucket=bucket, Key=f"obj/{i}", Body=PAYLOAD)
    return [
        Op(
            "S3 PutObject 10 KB",
            lambda i: s3.put_object(Bucket=bucket, Key=f"obj/{i % 50}", Body=PAYLOAD),
        ),
        Op(
            "S3 GetObject 10 KB",
            lambda i: s3.get_object(Bucket=bucket, Key=f"obj/{i % 50}")["Body"].read(),
        ),
    ]


def sqs_ops(aws: Callable[[str], Any]) -> list[Op]:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=f"bench-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for start in range(0, QUEUE_DEPTH, 10):
        entries = [{"Id": str(i), "MessageBody": f"backlog {start + i}"} for i in range(10)]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)

    def round_trip(i: int) -> None:
        sqs.send_message(QueueUrl=url, MessageBody=f"message {i}")
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
        if not got:
            raise RuntimeError("SQS ReceiveMessage returned no message from a full queue")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])

    return [Op(f"SQS send+receive+delete ({QUEUE_DEPTH} queued)", round_trip, n=N // 2)]


def prepare(endpoint: str | None) -> dict[str, Op]:
    """Seed the resources on `endpoint` and return every op, by name, in a fixed order."""
    aws = clients(endpoint)
    return {op.name: op for op in (*dynamodb_ops(aws), *s3_ops(aws), *sqs_ops(aws))}


def block(op: Op, count: int, first: int) -> tuple[list[float], float]:
    """`count` calls of `op` (split over op.threads threads): per-call ms and the wall s."""
    if op.threads == 1:
        samples = []
        began = time.perf_counter()
        for i in range(first, first + count):
            t0 = time.perf_counter()
            op.call(i)
            samples.append((time.perf_counter() - t0) * 1000)
        return samples, time.perf_counter() - began
    per_thread = max(1, count // op.threads)
    chunks: list[list[float]] = [[] for _ in range(op.threads)]
    errors: list[BaseException] = []
    start = threading.Barrier(op.threads + 1)

    def worker(t: int) -> None:
        start.wait()
        try:
            for i in range(per_thread):
                t0 = time.perf_counter()
                op.call(first + t * per_thread + i)
                chunks[t].append((time.perf_counter() - t0) * 1000)
        except BaseException as exc:  # re-raised after the join
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(op.threads)]
    for w in workers:
        w.start()
    start.wait()
    began = time.perf_counter()
    for w in workers:
        w.join(timeout=120)
    wall = time.perf_counter() - began
    if errors:
        raise errors[0]
    return [ms for chunk in chunks for ms in chunk], wall


def measure(op: Op, warmup: int = WARMUP) -> Series:
    block(op, warmup, -warmup)
    samples, wall = block(op, op.n, 0)
    return Series(op.name, samples, wall)


def run(endpoint: str) -> dict[str, Series]:
    """Every raw-call series against `endpoint`, by name."""
    return {name: measure(op) for name, op in prepare(endpoint).items()}
