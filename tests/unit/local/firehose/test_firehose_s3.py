"""Firehose buffers records per stream and writes them to S3 by its buffering hints and names."""

from __future__ import annotations

import gzip
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.unit.local.moto_harness import MotoAsgi, client_factory, serve

from stratus.local.core.moto_app import MotoApp
from stratus.local.core.settings import ACCOUNT_ID, LocalSettings
from stratus.local.firehose import buffers as firehose_buffers
from stratus.local.firehose.buffers import StreamBuffers
from stratus.local.firehose.naming import evaluate, java_time, object_key
from stratus.local.firehose.providers import DeliveryStreamProvider
from stratus.local.provision.provider import ProviderContext

MOMENT = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def moto_aws() -> Iterator[Any]:
    from moto.firehose.models import FirehoseBackend

    original = FirehoseBackend.put_s3_records
    with serve(MotoAsgi(MotoApp())) as endpoint:
        yield client_factory(endpoint)
    FirehoseBackend.put_s3_records = original  # type: ignore[method-assign]


def _stream(aws: Any, tmp_path: Path, **s3: Any) -> tuple[str, str]:
    bucket = f"fh-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    ctx = ProviderContext(
        settings=LocalSettings.for_project(tmp_path),
        aws=aws,
        stack="Stack",
        logical_id=f"Stream{uuid.uuid4().hex[:6]}",
        resource_type="AWS::KinesisFirehose::DeliveryStream",
    )
    config = {
        "BucketARN": f"arn:aws:s3:::{bucket}",
        "RoleARN": f"arn:aws:iam::{ACCOUNT_ID}:role/firehose",
        **s3,
    }
    name, attrs = DeliveryStreamProvider().create(
        ctx, {"DeliveryStreamType": "DirectPut", "ExtendedS3DestinationConfiguration": config}
    )
    assert attrs["Arn"].endswith(f":deliverystream/{name}")
    return name, bucket


def _flush(buffers: StreamBuffers, aws: Any) -> int:
    objects = buffers.due()
    for obj in objects:
        firehose_buffers.write(lambda region, service: aws(service), obj)
    return len(objects)


def _objects(aws: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in aws("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_records_wait_for_the_interval_then_form_one_object(moto_aws: Any, tmp_path: Path) -> None:
    clock = Clock()
    buffers = StreamBuffers(clock=clock, now=lambda: MOMENT)
    firehose_buffers.install(buffers)
    hints = {"IntervalInSeconds": "60", "SizeInMBs": "1"}
    name, bucket = _stream(moto_aws, tmp_path, BufferingHints=hints)
    firehose = moto_aws("firehose")
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"one\n"})
    firehose.put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": b"two\n"}, {"Data": b"three\n"}]
    )
    clock.t += 59
    assert _flush(buffers, moto_aws) == 0
    assert _objects(moto_aws, bucket) == []
    clock.t += 1
    assert _flush(buffers, moto_aws) == 1
    [key] = _objects(moto_aws, bucket)
    assert re.fullmatch(rf"2026/02/03/04/{name}-1-2026-02-03-04-05-06-[0-9a-f-]{{36}}", key), key
    body = moto_aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert body == b"one\ntwo\nthree\n"


def test_a_full_buffer_is_written_before_the_interval(moto_aws: Any, tmp_path: Path) -> None:
    clock = Clock()
    buffers = StreamBuffers(clock=clock, now=lambda: MOMENT)
    firehose_buffers.install(buffers)
    name, bucket = _stream(
        moto_aws, tmp_path, BufferingHints={"IntervalInSeconds": 900, "SizeInMBs": 1}
    )
    moto_aws("firehose").put_record(DeliveryStreamName=name, Record={"Data": b"x" * 1_048_576})
    assert _flush(buffers, moto_aws) == 1
    assert len(_objects(moto_aws, bucket)) == 1


def test_gzip_and_custom_prefix(moto_aws: Any, tmp_path: Path) -> None:
    clock = Clock()
    buffers = StreamBuffers(clock=clock, now=lambda: MOMENT)
    firehose_buffers.install(buffers)
    name, bucket = _stream(
        moto_aws,
        tmp_path,
        Prefix="events/dt=!{timestamp:yyyy-MM-dd}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
        CompressionFormat="GZIP",
        BufferingHints={"IntervalInSeconds": 0, "SizeInMBs": 5},
    )
    moto_aws("firehose").put_record(DeliveryStreamName=name, Record={"Data": b'{"a":1}'})
    clock.t += 1  # an interval of 0 is floored to one second locally
    assert _flush(buffers, moto_aws) == 1
    [key] = _objects(moto_aws, bucket)
    assert key.startswith(f"events/dt=2026-02-03/{name}-1-2026-02-03-04-05-06-")
    assert key.endswith(".gz")
    body = moto_aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert gzip.decompress(body) == b'{"a":1}'


def test_pending_records_are_all_taken_on_stop(moto_aws: Any, tmp_path: Path) -> None:
    buffers = StreamBuffers(clock=Clock(), now=lambda: MOMENT)
    firehose_buffers.install(buffers)
    name, _ = _stream(moto_aws, tmp_path)
    moto_aws("firehose").put_record(DeliveryStreamName=name, Record={"Data": b"late"})
    assert buffers.due() == []
    [obj] = buffers.due(everything=True)
    assert obj.body == b"late"


def test_prefix_rules() -> None:
    assert java_time("yyyy/MM/dd/HH/", MOMENT) == "2026/02/03/04/"
    assert java_time("'year='yyyy", MOMENT) == "year=2026"
    assert evaluate("x/!{firehose:error-output-type}/", MOMENT, error_type="processing-failed") == (
        "x/processing-failed/"
    )
    plain = object_key({"Prefix": "logs-"}, "s", "3", MOMENT)
    assert plain.startswith("logs-2026/02/03/04/s-3-2026-02-03-04-05-06-")
    assert object_key({"FileExtension": ".json"}, "s", "1", MOMENT).endswith(".json")
