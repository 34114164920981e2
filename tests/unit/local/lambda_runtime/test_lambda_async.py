"""Asynchronous invocation as Lambda does it: retries, event age, destinations, DLQ."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from lambda_runtime_support import FIXTURES, function_resource

from stratus.local.core.contracts import InvokeResult
from stratus.local.core.settings import LocalSettings
from stratus.local.iam.credentials import CredentialStore
from stratus.local.lambda_runtime import LambdaRuntime, MemoryLogSink
from stratus.local.lambda_runtime.async_invoke import (
    AsyncDelivery,
    AsyncEvent,
    EventInvokeConfig,
)
from stratus.local.lambda_runtime.destinations import TargetsDestinationSender

pytestmark = pytest.mark.anyio
ARN = "arn:aws:lambda:us-east-1:000000000000:function"
QUEUE = "arn:aws:sqs:us-east-1:000000000000:failures"
TOPIC = "arn:aws:sns:us-east-1:000000000000:dlq"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def send(self, arn: str, body: str, attributes: dict[str, Any]) -> None:
        self.sent.append((arn, body, attributes))


@pytest.fixture
async def recorder_runtime(
    settings: LocalSettings, credentials: CredentialStore
) -> AsyncIterator[tuple[LambdaRuntime, Recorder]]:
    recorder = Recorder()
    rt = LambdaRuntime(
        settings,
        credentials,
        log_sink=MemoryLogSink(),
        async_retry_delays=(0.02, 0.02),
        destinations=recorder,
    )
    yield rt, recorder
    await rt.aclose()


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_failed_event_is_retried_then_its_record_goes_to_on_failure(
    recorder_runtime: tuple[LambdaRuntime, Recorder],
) -> None:
    runtime, recorder = recorder_runtime
    runtime.register(function_resource("crash"), FIXTURES / "crash")
    runtime.put_event_invoke_config(
        "crash",
        "$LATEST",
        {"MaximumRetryAttempts": 1, "DestinationConfig": {"OnFailure": {"Destination": QUEUE}}},
    )
    accepted = await runtime.invoke("crash", b'{"n": 5}', invocation_type="Event")
    assert accepted.status_code == 202
    await wait_for(lambda: recorder.sent)
    assert runtime.stats()["crash"].invocations == 2  # one retry, as configured
    arn, body, attributes = recorder.sent[0]
    record = json.loads(body)
    assert arn == QUEUE and attributes == {}
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    assert record["requestContext"] == {
        "requestId": accepted.request_id,  # type: ignore[attr-defined]
        "functionArn": f"{ARN}:crash:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 2,
    }
    assert record["requestPayload"] == {"n": 5}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorMessage"] == "boom 5"


async def test_success_record_goes_to_on_success_for_the_alias_invoked(
    recorder_runtime: tuple[LambdaRuntime, Recorder],
) -> None:
    runtime, recorder = recorder_runtime
    runtime.register(function_resource("hello"), FIXTURES / "hello")
    runtime.publish_version("hello")
    runtime.put_alias("hello", "live", "1")
    bus = "arn:aws:events:us-east-1:000000000000:event-bus/results"
    runtime.put_event_invoke_config(
        "hello", "live", {"DestinationConfig": {"OnSuccess": {"Destination": bus}}}
    )
    await runtime.invoke("hello:live", b'{"x": 1}', invocation_type="Event")
    await runtime.invoke("hello", b"{}", invocation_type="Event")  # $LATEST: no config
    await wait_for(lambda: recorder.sent)
    await asyncio.sleep(0.2)
    assert len(recorder.sent) == 1
    record = json.loads(recorder.sent[0][1])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["functionArn"] == f"{ARN}:hello:live"
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "1"}
    assert record["responsePayload"]["echo"] == {"x": 1}


async def test_dead_letter_queue_gets_the_event_with_lambdas_attributes(
    recorder_runtime: tuple[LambdaRuntime, Recorder],
) -> None:
    runtime, recorder = recorder_runtime
    runtime.register(
        function_resource("crash", DeadLetterConfig={"TargetArn": TOPIC}), FIXTURES / "crash"
    )
    accepted = await runtime.invoke("crash", b'{"n": 1}', invocation_type="Event")
    await wait_for(lambda: recorder.sent)
    assert runtime.stats()["crash"].invocations == 3  # Lambda's default: two retries
    arn, body, attributes = recorder.sent[0]
    assert arn == TOPIC and json.loads(body) == {"n": 1}
    assert attributes == {
        "RequestID": {"DataType": "String", "StringValue": accepted.request_id},  # type: ignore[attr-defined]
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "boom 1"},
    }


async def test_an_event_older_than_its_maximum_age_is_discarded_as_event_age_exceeded() -> None:
    recorder = Recorder()
    now = [1000.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    delivery = AsyncDelivery(recorder, (60.0, 120.0), clock=lambda: now[0], sleep=sleep)
    config = EventInvokeConfig.from_properties(
        f"{ARN}:f:$LATEST",
        {
            "MaximumEventAgeInSeconds": 90,
            "DestinationConfig": {"OnFailure": {"Destination": QUEUE}},
        },
    )
    failed = InvokeResult(200, b'{"errorMessage": "x"}', function_error="Unhandled")
    calls = []

    async def attempt() -> InvokeResult:
        calls.append(now[0])
        now[0] += 1
        return failed

    async def never() -> None:
        raise AssertionError("not throttled")

    event = AsyncEvent("req-1", b"{}", f"{ARN}:f:$LATEST", enqueued_at=1000.0)
    task = asyncio.ensure_future(delivery.run(event, config, attempt, never))
    await asyncio.wait_for(task, 2.0)
    # Attempts at t=1000 and (after the 60 s retry delay) t=1061; the next retry, 120 s
    # later, would be past the 90 s maximum age: discarded then, not after waiting.
    assert calls == [1000.0, 1061.0]
    record = json.loads(recorder.sent[0][1])
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 2


def test_event_invoke_config_limits_are_lambdas() -> None:
    with pytest.raises(ValueError, match="MaximumRetryAttempts"):
        EventInvokeConfig.from_properties("a", {"MaximumRetryAttempts": 3})
    with pytest.raises(ValueError, match="MaximumEventAgeInSeconds"):
        EventInvokeConfig.from_properties("a", {"MaximumEventAgeInSeconds": 59})


def test_destinations_go_out_through_the_delivery_targets() -> None:
    """SQS with Lambda's attributes, SNS, and EventBridge as Lambda wraps the record
    (source "lambda", detail-type "... Invocation Result - Success"); through moto."""
    import boto3
    from moto import mock_aws

    from stratus.local.delivery.targets import Targets, UnsupportedTargetError

    with mock_aws():

        def aws(service: str) -> Any:
            return boto3.client(
                service,
                region_name="us-east-1",
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )

        sqs = aws("sqs")
        url = sqs.create_queue(QueueName="failures")["QueueUrl"]
        seen = sqs.create_queue(QueueName="seen")["QueueUrl"]
        seen_arn = sqs.get_queue_attributes(QueueUrl=seen, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        events = aws("events")
        events.put_rule(Name="results", EventPattern=json.dumps({"source": ["lambda"]}))
        events.put_targets(Rule="results", Targets=[{"Id": "q", "Arn": seen_arn}])
        topic = aws("sns").create_topic(Name="dlq")["TopicArn"]
        targets = Targets(lambda region: aws, lambdas=None, endpoint=url.rsplit("/", 2)[0])  # type: ignore[arg-type]
        sender = TargetsDestinationSender(targets)
        attributes = {"RequestID": {"DataType": "String", "StringValue": "r1"}}
        record = {"requestContext": {"condition": "Success", "functionArn": f"{ARN}:f:$LATEST"}}

        async def deliver() -> None:
            await sender.send(url_arn(url), '{"a": 1}', attributes)
            await sender.send(topic, '{"a": 1}', attributes)
            await sender.send(
                "arn:aws:events:us-east-1:123456789012:event-bus/default", json.dumps(record), {}
            )
            with pytest.raises(UnsupportedTargetError):
                await sender.send("arn:aws:s3:::bucket", "{}", {})

        asyncio.run(deliver())
        messages = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
        assert messages[0]["Body"] == '{"a": 1}'
        assert messages[0]["MessageAttributes"]["RequestID"]["StringValue"] == "r1"
        (result,) = sqs.receive_message(QueueUrl=seen)["Messages"]
        event = json.loads(result["Body"])
        assert event["source"] == "lambda"
        assert event["detail-type"] == "Lambda Function Invocation Result - Success"
        assert event["detail"] == record


def url_arn(url: str) -> str:
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:us-east-1:{account}:{name}"
