"""Event delivery latency: producer call -> the moment the function runs, per event source,
printed beside AWS's published figures (p50/p99 ms).

One cloud serves `bench/apps/events` (every path feeds one probe function, whose log line
`RECV <id> <epoch>` says when each record arrived). Records are sent one at a time with a
gap, so the figure is delivery latency, not queueing; bounded: N per path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client

from bench.stats import Series

APP = Path(__file__).with_name("apps") / "events"
N = 60
GAP_S = 0.05
# Published AWS figures (p50, p99 ms), as in the issue; S3 publishes none.
AWS_MS: dict[str, tuple[float, float] | None] = {
    "S3 -> Lambda": None,
    "SQS -> Lambda": (16, 105),
    "SNS -> SQS -> Lambda": (73, 225),
    "EventBridge -> Lambda": (148, 387),
    "Kinesis -> Lambda": (627, 1580),
    "DynamoDB Streams -> Lambda": (213, 552),
}


def _senders(cloud: LocalCloudHandle) -> dict[str, Callable[[str], None]]:
    s3 = boto3.client(
        "s3",
        endpoint_url=cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(s3={"addressing_style": "path"}),
    )
    sqs, sns = aws_client(cloud, "sqs"), aws_client(cloud, "sns")
    events, kinesis = aws_client(cloud, "events"), aws_client(cloud, "kinesis")
    ddb = aws_client(cloud, "dynamodb")
    out = cloud.stack_output
    return {
        "S3 -> Lambda": lambda i: s3.put_object(
            Bucket=out("BucketName"), Key=f"lat/{i}.txt", Body=b"x"
        ),
        "SQS -> Lambda": lambda i: sqs.send_message(QueueUrl=out("QueueUrl"), MessageBody=i),
        "SNS -> SQS -> Lambda": lambda i: sns.publish(TopicArn=out("TopicArn"), Message=i),
        "EventBridge -> Lambda": lambda i: events.put_events(
            Entries=[
                {"Source": "bench.latency", "DetailType": "t", "Detail": json.dumps({"id": i})}
            ]
        ),
        "Kinesis -> Lambda": lambda i: kinesis.put_record(
            StreamName=out("StreamName"), Data=i.encode(), PartitionKey="p"
        ),
        "DynamoDB Streams -> Lambda": lambda i: ddb.put_item(
            TableName=out("TableName"), Item={"pk": {"S": i}}
        ),
    }


def _arrivals(cloud: LocalCloudHandle, expected: set[str]) -> dict[str, float]:
    """Each record's first RECV time, read from the probe's log until every `expected` id is
    there (or 30 s pass). Only expected ids count: the warm-up's records are logged too, and
    counting them once ended the wait while the last records sent were still on their way
    (the DynamoDB Streams path, sent last, read "59/60 delivered")."""
    logs = aws_client(cloud, "logs")
    group = f"/aws/lambda/{cloud.stack_output('ProbeName')}"
    deadline = time.monotonic() + 30
    found: dict[str, float] = {}
    while time.monotonic() < deadline and not expected <= found.keys():
        found = {}
        kwargs: dict[str, Any] = {"logGroupName": group, "filterPattern": "RECV"}
        while True:
            page = logs.filter_log_events(**kwargs)
            for event in page["events"]:
                _, ident, stamp = event["message"].split()
                found.setdefault(ident, float(stamp))
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        time.sleep(0.5)
    return found


def measure(state_dir: Path) -> dict[str, Series]:
    proc, cloud = start_local_cloud(state_dir, app_dir=APP)
    try:
        senders = _senders(cloud)
        for name, send in senders.items():  # warm: the probe's worker, clients, pollers
            send(f"warm{abs(hash(name)) % 1000}")
        time.sleep(2.0)
        sent: dict[str, dict[str, float]] = {}
        started = time.perf_counter()
        for name, send in senders.items():
            prefix = name.split()[0].lower()
            sent[name] = {}
            for n in range(N):
                ident = f"{prefix}{n}"
                sent[name][ident] = time.time()
                send(ident)
                time.sleep(GAP_S)
        wall = time.perf_counter() - started
        arrivals = _arrivals(cloud, {ident for stamps in sent.values() for ident in stamps})
    finally:
        stop_local_cloud(proc)
    series = {}
    for name, stamps in sent.items():
        samples = [(arrivals[i] - t) * 1000 for i, t in stamps.items() if i in arrivals]
        series[name] = Series(name, samples, wall)
    return series


def print_latency(series: dict[str, Series]) -> dict[str, Any]:
    print("\n10. event delivery latency, producer call -> function start (N per path, sequential)")
    print(
        f"  {'':30} {'local p50':>10} {'p99':>8} {'AWS p50':>8} {'p99':>7} "
        f"{'p50 x AWS':>10} {'delivered':>10}"
    )
    figures: dict[str, Any] = {}
    for name, s in series.items():
        aws = AWS_MS.get(name)
        delivered = f"{len(s.samples_ms)}/{N}"
        if not s.samples_ms:
            print(f"  {name:30} {'—':>10} {'—':>8}   nothing delivered ({delivered})")
            figures[name] = {"delivered": 0}
            continue
        if aws is None:
            dash = "—"
            print(
                f"  {name:30} {s.p50:10.1f} {s.p99:8.1f} {dash:>8} {dash:>7} {dash:>10} "
                f"{delivered:>10}  (AWS publishes no figure)"
            )
        else:
            ratio = s.p50 / aws[0]
            verdict = "met" if ratio <= 0.5 else "MISSED"
            print(
                f"  {name:30} {s.p50:10.1f} {s.p99:8.1f} {aws[0]:8.0f} {aws[1]:7.0f} "
                f"{ratio:9.2f}x {delivered:>10}  (aim ≤ 0.5x: {verdict})"
            )
        figures[name] = {
            "p50_ms": round(s.p50, 2),
            "p99_ms": round(s.p99, 2),
            "delivered": len(s.samples_ms),
            "aws_p50_ms": aws[0] if aws else None,
            "aws_p99_ms": aws[1] if aws else None,
        }
    return figures
