"""EventBridge and Firehose through the running cloud, with real AWS clients: rules with
patterns to Lambda and (transformed) to SQS, a custom bus, a schedule fired by
`stratus events fire`, Firehose to S3. The CDK app is `tests/fixtures/apps/eventbridge`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "eventbridge"
STRATUS = str(Path(sys.executable).with_name("stratus"))


@pytest.fixture(scope="module")
def eb_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCloudHandle, Path]]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    with app_cloud(app_dir) as handle:
        yield handle, app_dir


def logged_events(cloud: LocalCloudHandle, function: str, at_least: int = 1) -> list[Any]:
    """What the fixture function printed (`EVENT {...}` lines), waiting for them."""
    logs = aws_client(cloud, "logs")
    group = f"/aws/lambda/{cloud.stack_output(function + 'Name')}"
    deadline = time.monotonic() + 10
    events: list[Any] = []
    while time.monotonic() < deadline:
        try:
            found = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            found = []
        events = [json.loads(e["message"][6:]) for e in found if e["message"].startswith("EVENT ")]
        if len(events) >= at_least:
            return events
        time.sleep(0.2)
    return events


def messages(cloud: LocalCloudHandle, queue_output: str, at_least: int = 1) -> list[Any]:
    sqs = aws_client(cloud, "sqs")
    url = cloud.stack_output(queue_output)
    got: list[Any] = []
    deadline = time.monotonic() + 10
    while len(got) < at_least and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        got += [json.loads(m["Body"]) for m in answer.get("Messages", [])]
    return got


def test_an_event_reaches_the_function_and_the_transformed_queue(
    eb_app: tuple[LocalCloudHandle, Path],
) -> None:
    cloud, _ = eb_app
    answer = aws_client(cloud, "events").put_events(
        Entries=[
            {
                "Source": "shop.orders",
                "DetailType": "OrderPlaced",
                "Detail": json.dumps({"id": "o-1", "total": 42}),
            },
            {"Source": "shop.orders", "DetailType": "Other", "Detail": "{}"},  # no match
        ]
    )
    assert answer["FailedEntryCount"] == 0
    [event] = logged_events(cloud, "OrdersFunction")
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert event["detail-type"] == "OrderPlaced" and event["detail"] == {"id": "o-1", "total": 42}
    assert messages(cloud, "OrdersQueueUrl") == [
        {"order": "o-1", "total": 42, "source": "shop.orders"}
    ]


def test_a_custom_bus_rule_provisioned_from_the_template(
    eb_app: tuple[LocalCloudHandle, Path],
) -> None:
    cloud, _ = eb_app
    aws_client(cloud, "events").put_events(
        Entries=[
            {
                "Source": "fixture.bus",
                "DetailType": "Ping",
                "Detail": '{"n": 1}',
                "EventBusName": cloud.stack_output("BusName"),
            }
        ]
    )
    [event] = messages(cloud, "BusQueueUrl")
    assert event["source"] == "fixture.bus" and event["detail"] == {"n": 1}


def test_stratus_events_fire_runs_the_schedule_now(
    eb_app: tuple[LocalCloudHandle, Path],
) -> None:
    cloud, app_dir = eb_app
    rule = cloud.stack_output("TickRuleName")
    done = subprocess.run(
        [STRATUS, "events", "fire", rule, "--app", str(app_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    fired = json.loads(done.stdout)
    events = logged_events(cloud, "TickFunction")
    assert fired["id"] in [e["id"] for e in events]
    [event] = [e for e in events if e["id"] == fired["id"]]
    assert event["source"] == "aws.events" and event["detail-type"] == "Scheduled Event"
    assert event["detail"] == {} and event["resources"][0].endswith(f":rule/{rule}")

    unknown = subprocess.run(
        [STRATUS, "events", "fire", "no-such-rule", "--app", str(app_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 1
    assert rule in unknown.stderr


def test_a_scheduler_schedule_is_provisioned(eb_app: tuple[LocalCloudHandle, Path]) -> None:
    cloud, _ = eb_app
    name = cloud.stack_output("ScheduleName")
    schedule = aws_client(cloud, "scheduler").get_schedule(Name=name)
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert json.loads(schedule["Target"]["Input"]) == {"job": "nightly"}


def test_firehose_buffers_records_into_one_object(eb_app: tuple[LocalCloudHandle, Path]) -> None:
    cloud, _ = eb_app
    stream = cloud.stack_output("StreamName")
    bucket = cloud.stack_output("ArchiveBucket")
    firehose = aws_client(cloud, "firehose")
    firehose.put_record_batch(
        DeliveryStreamName=stream, Records=[{"Data": b"a\n"}, {"Data": b"b\n"}]
    )
    aws_client(cloud, "events").put_events(
        Entries=[{"Source": "shop.archive", "DetailType": "T", "Detail": '{"c": 3}'}]
    )
    s3 = aws_client(cloud, "s3")
    keys: list[str] = []
    body = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        body = b"".join(s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys)
        if b'"c":3' in body and b"a\nb\n" in body:
            break
        time.sleep(0.3)
    assert all(k.startswith("orders/") and f"/{stream}-1-" in k for k in keys), keys
    assert b"a\nb\n" in body
    assert b'"c":3' in body
