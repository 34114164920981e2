"""Deliveries acknowledged before a `kill -9` still happen after the restart: a Lambda Event
invocation still running, SNS and EventBridge events still on their way to their targets,
Firehose records still in their buffer (at least once, as these services promise)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from typing import Any

import pytest

from tests.conftest import ROOT, start_local_cloud, stop_local_cloud
from tests.integration.test_durable_state import _clients

pytestmark = pytest.mark.integration

SLEEP_S = 4
FIREHOSE_INTERVAL_S = 3


def _reports(aws: Any, group: str) -> int:
    try:
        events = aws("logs").filter_log_events(logGroupName=group, filterPattern="REPORT")
    except aws("logs").exceptions.ResourceNotFoundException:
        return 0
    return sum(e["message"].startswith("REPORT RequestId") for e in events["events"])


def _queue(aws: Any, name: str) -> tuple[str, str]:
    url = aws("sqs").create_queue(QueueName=name)["QueueUrl"]
    attrs = aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, attrs["Attributes"]["QueueArn"]


def _bodies(aws: Any, url: str) -> list[str]:
    seen: list[str] = []
    while True:
        got = aws("sqs").receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300, WaitTimeSeconds=1
        )
        if not got.get("Messages"):
            return seen
        seen += [m["Body"] for m in got["Messages"]]


def _wait(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


def test_deliveries_acknowledged_before_kill_9_happen_after_the_restart() -> None:
    state = ROOT / ".stratus" / "test-durable-deliveries"
    proc, cloud = start_local_cloud(state, fresh=True, extra_args=["-c", "probes=true"])
    try:
        aws = _clients(cloud)
        name = cloud.stack_output("SerialFunctionName")
        group = aws("lambda").get_function_configuration(FunctionName=name)["LoggingConfig"][
            "LogGroup"
        ]
        sns_url, sns_arn = _queue(aws, "fan-out")
        topic = aws("sns").create_topic(Name="news")["TopicArn"]
        aws("sns").subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=sns_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        ev_url, ev_arn = _queue(aws, "events-out")
        aws("events").put_rule(Name="burst", EventPattern=json.dumps({"source": ["burst"]}))
        aws("events").put_targets(Rule="burst", Targets=[{"Id": "q", "Arn": ev_arn}])

        aws("s3").create_bucket(Bucket="firehose-out")
        aws("firehose").create_delivery_stream(
            DeliveryStreamName="records",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::000000000000:role/firehose",
                "BucketARN": "arn:aws:s3:::firehose-out",
                "BufferingHints": {"IntervalInSeconds": FIREHOSE_INTERVAL_S, "SizeInMBs": 1},
            },
        )

        # A Lambda Event invocation that is still running when the cloud dies.
        accepted = aws("lambda").invoke(
            FunctionName=name, InvocationType="Event", Payload=json.dumps({"seconds": SLEEP_S})
        )
        assert accepted["StatusCode"] == 202
        # SNS and EventBridge events published right up to the kill.
        acked: dict[str, list[str]] = {"sns": [], "events": []}
        stop = threading.Event()

        def publish(worker: int) -> None:
            n = 0
            while not stop.is_set():
                key = f"w{worker}-{n}"
                try:
                    aws("sns").publish(TopicArn=topic, Message=key)
                    acked["sns"].append(key)
                    detail = json.dumps({"key": key})
                    entry = {"Source": "burst", "DetailType": "t", "Detail": detail}
                    assert aws("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
                    acked["events"].append(key)
                except Exception:
                    return  # the endpoint died: not acknowledged
                n += 1

        threads = [threading.Thread(target=publish, args=(i,), daemon=True) for i in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        records = [f"record-{i};".encode() for i in range(20)]
        aws("firehose").put_record_batch(  # buffered: written to S3 only seconds later
            DeliveryStreamName="records", Records=[{"Data": r} for r in records]
        )
        assert _reports(aws, group) == 0  # the invocation is still sleeping
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        stop.set()
        for thread in threads:
            thread.join(15)
        assert acked["sns"] and acked["events"]

        proc, cloud = start_local_cloud(state, fresh=False, extra_args=["-c", "probes=true"])
        aws = _clients(cloud)
        assert _wait(lambda: _reports(aws, group) >= 1, SLEEP_S + 15), cloud.log_tail()
        delivered_sns = set(_bodies(aws, sns_url))
        delivered_events = {json.loads(b)["detail"]["key"] for b in _bodies(aws, ev_url)}
        assert set(acked["sns"]) <= delivered_sns
        assert set(acked["events"]) <= delivered_events

        def written() -> bytes:
            listed = aws("s3").list_objects_v2(Bucket="firehose-out").get("Contents", [])
            bodies = (aws("s3").get_object(Bucket="firehose-out", Key=o["Key"]) for o in listed)
            return b"".join(body["Body"].read() for body in bodies)

        assert _wait(lambda: all(r in written() for r in records), FIREHOSE_INTERVAL_S + 10)
    finally:
        stop_local_cloud(proc)
