"""Raw AWS calls against an endpoint, p50 per call: the figures issue 7 compares with the peer.

`run(endpoint)` seeds its own resources (a DynamoDB table of ~5,000 items over many
partitions, a bucket, an SQS queue holding 1,000 messages) and times, with one boto3 client
per service: PutItem, GetItem, Query of 20 and of 100 items, S3 PutObject / GetObject of
10 KB, SQS send + receive + delete, and Query-20 from 4 threads at once (per request).
Any endpoint that speaks AWS will do (the local cloud, moto's server, the peer).

`python -m bench.rawcalls` starts the AWS endpoint alone (front door + moto, no hooks) in a
child process on a free port and prints the figures; `--endpoint URL` measures a running one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config

from bench.stats import Series

N = 200
WARMUP = 20
THREADS, PER_THREAD = 4, 50
PARTITIONS = 250  # 250 x 20 items + one partition of 100: ~5,100 items
QUEUE_DEPTH = 1_000
PAYLOAD = os.urandom(10 * 1024)


def clients(endpoint: str) -> Callable[[str], Any]:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    config = Config(
        retries={"max_attempts": 1},
        s3={"addressing_style": "path"},
        max_pool_connections=THREADS * 2,
    )
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, endpoint_url=endpoint, config=config)
        return cache[service]

    return client


def timed(name: str, fn: Callable[[int], Any], n: int = N, warmup: int = WARMUP) -> Series:
    for i in range(warmup):
        fn(-1 - i)
    samples = []
    began = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return Series(name, samples, time.perf_counter() - began)


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


def seed_table(ddb: Any, table: str) -> None:
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
    partitions = [(f"user-{p:04d}", 20) for p in range(PARTITIONS)] + [("user-big", 100)]
    for pk, count in partitions:
        for chunk in range(0, count, 25):
            requests = [
                {"PutRequest": {"Item": item(pk, f"todo-{i:04d}")}}
                for i in range(chunk, min(count, chunk + 25))
            ]
            ddb.batch_write_item(RequestItems={table: requests})


def dynamodb_series(aws: Callable[[str], Any]) -> Iterator[Series]:
    ddb = aws("dynamodb")
    table = f"bench-{uuid.uuid4().hex[:8]}"
    seed_table(ddb, table)
    yield timed(
        "DynamoDB PutItem",
        lambda i: ddb.put_item(TableName=table, Item=item("user-put", f"todo-{i:+06d}")),
    )
    yield timed(
        "DynamoDB GetItem",
        lambda i: ddb.get_item(
            TableName=table, Key={"pk": {"S": "user-0007"}, "sk": {"S": "todo-0003"}}
        ),
    )

    def query(pk: str, expect: int) -> Callable[[int], Any]:
        def call(_: int) -> None:
            got = ddb.query(
                TableName=table,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": pk}},
            )
            if got["Count"] != expect:
                raise RuntimeError(f"Query {pk} returned {got['Count']} items, not {expect}")

        return call

    yield timed("DynamoDB Query 20 items", query("user-0100", 20))
    yield timed("DynamoDB Query 100 items", query("user-big", 100), n=N // 2)
    yield threaded("DynamoDB Query 20 items, 4 threads", query("user-0200", 20))


def threaded(name: str, fn: Callable[[int], Any]) -> Series:
    """Per-request latency while THREADS threads call `fn` at once."""
    for i in range(WARMUP):
        fn(-1 - i)
    samples: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker() -> None:
        start.wait()
        mine = []
        for i in range(PER_THREAD):
            t0 = time.perf_counter()
            fn(i)
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Series(name, samples, time.perf_counter() - began)


def s3_series(aws: Callable[[str], Any]) -> Iterator[Series]:
    s3 = aws("s3")
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    yield timed(
        "S3 PutObject 10 KB",
        lambda i: s3.put_object(Bucket=bucket, Key=f"obj/{i % 50}", Body=PAYLOAD),
    )
    yield timed(
        "S3 GetObject 10 KB",
        lambda i: s3.get_object(Bucket=bucket, Key=f"obj/{i % 50}")["Body"].read(),
    )


def sqs_series(aws: Callable[[str], Any]) -> Iterator[Series]:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=f"bench-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for start in range(0, QUEUE_DEPTH, 10):
        entries = [{"Id": str(i), "MessageBody": f"backlog {start + i}"} for i in range(10)]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)

    def round_trip(i: int) -> None:
        sqs.send_message(QueueUrl=url, MessageBody=f"message {i}")
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])

    yield timed(f"SQS send+receive+delete ({QUEUE_DEPTH} queued)", round_trip)


def run(endpoint: str) -> dict[str, Series]:
    """Every raw-call series against `endpoint`, by name."""
    aws = clients(endpoint)
    out: dict[str, Series] = {}
    for series in (*dynamodb_series(aws), *s3_series(aws), *sqs_series(aws)):
        out[series.name] = series
    return out


SERVER = """
import asyncio, os, sys
from stratus.local.core.front_door import FrontDoor
from stratus.local.core.moto_app import MotoApp
from stratus.local.core.servers import start_server

async def main() -> None:
    moto = MotoApp()
    moto.inline = os.environ.get("RAWCALLS_INLINE", "1") == "1"  # 0: every call in a thread
    door = FrontDoor(moto.handle)
    await start_server("aws", door, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


@contextmanager
def endpoint_process() -> Iterator[str]:
    """The AWS endpoint (front door + moto, no hooks) in a child process; yields its URL."""
    from bench.hello import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the AWS endpoint did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", help="measure a running endpoint instead")
    args = parser.parse_args()
    if args.endpoint:
        figures = run(args.endpoint)
    else:
        with endpoint_process() as url:
            figures = run(url)
    print(f"  {'':44} {'p50 ms':>8} {'p99 ms':>8}")
    for series in figures.values():
        print(f"  {series.name:44} {series.p50:8.2f} {series.p99:8.2f}")


if __name__ == "__main__":
    main()
