"""An SQS event source mapping whose function may outlast the queue's visibility timeout is
refused when it is provisioned, as Lambda refuses it
(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stratus.local.core.settings import LocalSettings
from stratus.local.lambda_runtime.recorded import EventSourceMappingProvider
from stratus.local.lambda_runtime.store import LambdaStore
from stratus.local.provision.provider import ProviderContext

ACCOUNT = "123456789012"


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def context(settings: LocalSettings, sqs: Any) -> ProviderContext:
    return ProviderContext(
        settings=settings,
        aws=lambda service: sqs,
        stack="S",
        logical_id="Mapping",
        resource_type="AWS::Lambda::EventSourceMapping",
    )


def mapping(
    tmp_path: Path, sqs: Any, *, visibility: int, timeout: int | None, function_ref: str = "work"
) -> tuple[str, dict[str, Any]]:
    settings = LocalSettings.for_project(tmp_path)
    fn_props = {"Handler": "app.handler", "Runtime": "python3.11"}
    if timeout is not None:
        fn_props["Timeout"] = timeout  # type: ignore[assignment]
    LambdaStore.for_settings(settings).record_latest("work", fn_props, None)
    sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": str(visibility)})
    props = {
        "EventSourceArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs",
        "FunctionName": function_ref,
    }
    return EventSourceMappingProvider().create(context(settings, sqs), props)


def test_a_function_that_outlasts_the_visibility_timeout_is_refused(
    tmp_path: Path, sqs: Any
) -> None:
    with pytest.raises(ValueError) as refused:
        mapping(tmp_path, sqs, visibility=5, timeout=10)
    assert "Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds" in str(
        refused.value
    )
    assert "jobs -> work" in str(refused.value)


def test_the_default_timeout_of_three_seconds_counts(tmp_path: Path, sqs: Any) -> None:
    with pytest.raises(ValueError, match="Function timeout: 3 seconds"):
        mapping(tmp_path, sqs, visibility=2, timeout=None)


@pytest.mark.parametrize(
    "ref",
    ["work", "work:live", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:work:3"],
)
def test_an_equal_or_longer_visibility_is_accepted_however_the_function_is_named(
    tmp_path: Path, sqs: Any, ref: str
) -> None:
    physical, attributes = mapping(tmp_path, sqs, visibility=10, timeout=10, function_ref=ref)
    assert len(physical) == 32 and attributes == {"Id": physical}


def test_a_qualified_name_is_checked_against_its_function(tmp_path: Path, sqs: Any) -> None:
    with pytest.raises(ValueError, match="less than Function timeout: 30 seconds"):
        mapping(tmp_path, sqs, visibility=20, timeout=30, function_ref="work:live")


def test_stream_sources_and_unknown_queues_are_not_checked(tmp_path: Path, sqs: Any) -> None:
    settings = LocalSettings.for_project(tmp_path)
    LambdaStore.for_settings(settings).record_latest("work", {"Timeout": 900}, None)
    provider = EventSourceMappingProvider()
    for arn in (
        f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/clicks",
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:no-such-queue",
    ):
        physical, _ = provider.create(
            context(settings, sqs), {"EventSourceArn": arn, "FunctionName": "work"}
        )
        assert physical
