"""Events through the running cloud, with real AWS clients: S3 notifications from every write
path, SQS -> Lambda with partial batch failures and a DLQ, SNS filter policies, Kinesis and
DynamoDB streams. The CDK app is `tests/fixtures/apps/events` (served with `--app`)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from tests.conftest import (
    LocalCloudHandle,
    app_cloud,
    copy_fixture_app,
    start_local_cloud,
    stop_local_cloud,
)
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "events"


@pytest.fixture(scope="module")
def events_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    with app_cloud(app_dir) as handle:
        yield handle


def received(cloud: LocalCloudHandle, function: str, *, at_least: int = 1) -> list[dict[str, Any]]:
    """Records the fixture function logged (its `EVENT {...}` lines), waiting for them."""
    logs = aws_client(cloud, "logs")
    group = f"/aws/lambda/{cloud.stack_output(function + 'Name')}"
    deadline = time.monotonic() + 10
    records: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        try:
            found = logs.filter_log_events(logGroupName=group)["events"]
        except logs.exceptions.ResourceNotFoundException:
            found = []
        events = [json.loads(e["message"][6:]) for e in found if e["message"].startswith("EVENT ")]
        records = [r for event in events for r in event.get("Records", [])]
        if len(records) >= at_least:
            return records
        time.sleep(0.2)
    return records


def s3_client(cloud: LocalCloudHandle) -> Any:
    """SigV4 for pre-signed POST too (boto3 signs POST policies with SigV2 by default, which
    S3 refuses in SigV4-only regions and the local cloud refuses everywhere)."""
    return boto3.client(
        "s3",
        endpoint_url=cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def test_an_upload_triggers_the_function_with_s3s_event(events_app: LocalCloudHandle) -> None:
    s3 = s3_client(events_app)
    bucket = events_app.stack_output("BucketName")
    s3.put_object(Bucket=bucket, Key="uploads/red flower.txt", Body=b"hello")
    s3.put_object(Bucket=bucket, Key="uploads/skipped.png", Body=b"x")  # suffix filter
    s3.put_object(Bucket=bucket, Key="elsewhere/skipped.txt", Body=b"x")  # prefix filter
    (record,) = received(events_app, "S3Reader")
    assert record["eventSource"] == "aws:s3" and record["eventVersion"] == "2.1"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["key"] == "uploads/red+flower.txt"  # URL-encoded as S3 does
    assert record["s3"]["object"]["size"] == 5
    assert record["s3"]["object"]["eTag"] == "5d41402abc4b2a76b9719d911017c592"


def test_every_write_path_notifies(events_app: LocalCloudHandle) -> None:
    s3 = s3_client(events_app)
    bucket = events_app.stack_output("BucketName")
    s3.put_object(Bucket=bucket, Key="uploads/source.txt", Body=b"abc")
    s3.copy_object(Bucket=bucket, Key="uploads/copy.txt", CopySource=f"{bucket}/uploads/source.txt")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="uploads/multi.txt")
    part = s3.upload_part(
        Bucket=bucket, Key="uploads/multi.txt", UploadId=upload["UploadId"], PartNumber=1, Body=b"m"
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="uploads/multi.txt",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    post = s3.generate_presigned_post(bucket, "uploads/posted.txt")
    answer = requests.post(post["url"], data=post["fields"], files={"file": ("p.txt", b"posted")})
    assert answer.status_code == 204
    records = received(events_app, "S3Reader", at_least=5)
    names = {r["s3"]["object"]["key"]: r["eventName"] for r in records}
    assert names["uploads/copy.txt"] == "ObjectCreated:Copy"
    assert names["uploads/multi.txt"] == "ObjectCreated:CompleteMultipartUpload"
    assert names["uploads/posted.txt"] == "ObjectCreated:Post"
    assert [r["eventName"] for r in records].count("ObjectCreated:CompleteMultipartUpload") == 1

    s3.delete_object(Bucket=bucket, Key="uploads/copy.txt")
    sqs = aws_client(events_app, "sqs")
    deadline = time.monotonic() + 10
    removed: list[str] = []
    while time.monotonic() < deadline and "ObjectRemoved:Delete" not in removed:
        for message in sqs.receive_message(
            QueueUrl=events_app.stack_output("RemovedQueueUrl"), MaxNumberOfMessages=10
        ).get("Messages", []):
            body = json.loads(message["Body"])
            removed += [r["eventName"] for r in body.get("Records", [])]
    assert "ObjectRemoved:Delete" in removed


def test_only_the_failing_message_is_redriven_to_the_dlq(events_app: LocalCloudHandle) -> None:
    # Warm first: "ok-* once" holds while each batch ends within the queue's 3 s visibility,
    # which a cold start on a loaded machine may not (the batch is then received again).
    aws_client(events_app, "lambda").invoke(
        FunctionName=events_app.stack_output("WorkerName"), Payload=b'{"Records": []}'
    )
    sqs = aws_client(events_app, "sqs")
    work = events_app.stack_output("WorkQueueUrl")
    for body in ("ok-1", "fail-2", "ok-3"):
        sqs.send_message(QueueUrl=work, MessageBody=body)
    dlq = events_app.stack_output("WorkDlqUrl")
    deadline = time.monotonic() + 30
    dead: list[str] = []
    while time.monotonic() < deadline and not dead:
        dead = [m["Body"] for m in sqs.receive_message(QueueUrl=dlq).get("Messages", [])]
    assert dead == ["fail-2"]  # after maxReceiveCount (2) receives
    bodies = [r["body"] for r in received(events_app, "Worker", at_least=4)]
    assert sorted(bodies) == ["fail-2", "fail-2", "ok-1", "ok-3"]  # ok-* once: deleted
    attributes = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"


def test_sns_filter_policy_lets_only_matching_messages_through(
    events_app: LocalCloudHandle,
) -> None:
    sns = aws_client(events_app, "sns")
    topic = events_app.stack_output("TopicArn")
    for kind in ("other", "order"):
        sns.publish(
            TopicArn=topic,
            Message=f"a {kind}",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
    (record,) = received(events_app, "TopicReader")
    time.sleep(1.0)  # the filtered-out message would have arrived by now
    assert len(received(events_app, "TopicReader")) == 1
    envelope = json.loads(record["body"])
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == topic
    assert envelope["Message"] == "a order"
    assert envelope["MessageAttributes"] == {"kind": {"Type": "String", "Value": "order"}}


def test_kinesis_records_reach_the_function_in_order(events_app: LocalCloudHandle) -> None:
    kinesis = aws_client(events_app, "kinesis")
    stream = events_app.stack_output("StreamName")
    for i in range(5):
        kinesis.put_record(StreamName=stream, Data=f"click {i}".encode(), PartitionKey="user-1")
    records = received(events_app, "StreamReader", at_least=5)
    assert [r["eventName"] for r in records] == ["aws:kinesis:record"] * 5
    sequences = [int(r["kinesis"]["sequenceNumber"]) for r in records]
    assert sequences == sorted(sequences)
    assert records[0]["kinesis"]["partitionKey"] == "user-1"


def test_a_table_write_reaches_the_function_through_its_stream(
    events_app: LocalCloudHandle,
) -> None:
    dynamodb = aws_client(events_app, "dynamodb")
    table = events_app.stack_output("TableName")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = :v",
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    records = received(events_app, "TableReader", at_least=2)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert records[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"}
    assert records[1]["dynamodb"]["NewImage"]["v"] == {"N": "2"}
    assert records[0]["eventSource"] == "aws:dynamodb"


def test_a_bad_stream_record_is_isolated_and_reported_to_the_on_failure_queue(
    events_app: LocalCloudHandle,
) -> None:
    """kinesis-on-failure-destination.html: bisecting isolates the bad record; with no retries
    left its batch info goes to the on-failure destination and the shard moves on."""
    kinesis = aws_client(events_app, "kinesis")
    stream = events_app.stack_output("RiskyStreamName")
    answer = kinesis.put_records(
        StreamName=stream,
        Records=[
            {"Data": body.encode(), "PartitionKey": "p"}
            for body in ("ok-1", "raise-2", "ok-3", "ok-4")
        ],
    )
    bad_sequence = answer["Records"][1]["SequenceNumber"]
    sqs = aws_client(events_app, "sqs")
    deadline = time.monotonic() + 15
    reports: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not reports:
        messages = sqs.receive_message(
            QueueUrl=events_app.stack_output("StreamFailuresUrl"), WaitTimeSeconds=1
        ).get("Messages", [])
        reports = [json.loads(m["Body"]) for m in messages]
    (report,) = reports
    assert report["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert report["responseContext"]["functionError"] == "Unhandled"
    info = report["KinesisBatchInfo"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == bad_sequence
    assert info["batchSize"] == 1 and info["streamArn"].endswith(f"/{stream}")
    handled = [
        base64.b64decode(r["kinesis"]["data"]).decode()
        for r in received(events_app, "RiskyReader", at_least=10)
    ]
    # [1..4] fails, [1,2] fails, [1] ok, [2] fails (given up), [3,4] ok
    assert handled == [
        "ok-1",
        "raise-2",
        "ok-3",
        "ok-4",
        "ok-1",
        "raise-2",
        "ok-1",
        "raise-2",
        "ok-3",
        "ok-4",
    ]


def test_a_queue_hiding_messages_for_less_than_its_function_runs_stops_up(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Lambda refuses the mapping (services-sqs-configure.html); so does `up`, naming both."""
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    app = app_dir / "app.py"
    source, paired = app.read_text(), 'function("Worker", timeout=3)'
    assert paired in source
    app.write_text(source.replace(paired, 'function("Worker", timeout=10)'))
    with pytest.raises(RuntimeError, match="exited with") as failed:
        proc, _ = start_local_cloud(None, app_dir=app_dir)
        stop_local_cloud(proc)
    assert "exited with 1" in str(failed.value)
    told = " ".join((app_dir / ".stratus" / "up.log").read_text().split())  # unwrapped
    assert "error: EventsFixture/WorkerSqsEventSource" in told, told
    assert "(AWS::Lambda::EventSourceMapping)" in told, told
    assert "Queue visibility timeout: 3 seconds is less than Function timeout: 10 seconds" in told
    assert "Traceback" not in told, told  # the trace only with -v
