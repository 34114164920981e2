"""Failure paths of the running local cloud, driven like AWS would be: boto3 and real HTTPS.

The functions and routes come from the diagnostic `Stratus-<stage>-Probes` stack (the session
cloud is started with `-c probes=true`); each one fails in exactly one way.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import aws_client

# Throttling is what we are testing: botocore must not quietly retry it away.
NO_RETRIES = Config(retries={"total_max_attempts": 1}, read_timeout=30)


@pytest.fixture(scope="module")
def lambda_client(local_cloud: LocalCloudHandle) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=local_cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=NO_RETRIES,
    )


@pytest.fixture(scope="module")
def probes(local_cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=str(local_cloud.stack_output("ProbeApiUrl")),
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)),
        timeout=30,
    ) as client:
        yield client


def _invoke(client: Any, name: str, event: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    answer = client.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return answer, json.loads(answer["Payload"].read())


# ------------------------------------------------------------------ Lambda Invoke API


def test_handler_crash_is_an_unhandled_function_error_with_lambdas_payload(
    local_cloud: LocalCloudHandle, lambda_client: Any
) -> None:
    answer, payload = _invoke(lambda_client, local_cloud.stack_output("CrashFunctionName"), {})
    assert answer["StatusCode"] == 200  # the invoke worked; the function did not
    assert answer["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ProbeCrashError"
    assert payload["errorMessage"] == "probe crashed on purpose"
    assert any("handlers.py" in line for line in payload["stackTrace"])


def test_timed_out_invoke_says_so_and_the_next_invoke_gets_a_fresh_worker(
    local_cloud: LocalCloudHandle, lambda_client: Any
) -> None:
    name = local_cloud.stack_output("SlowFunctionName")
    started = time.monotonic()
    answer, payload = _invoke(lambda_client, name, {"seconds": 5})
    assert time.monotonic() - started < 4  # cut at the 1 s timeout, not after the 5 s sleep
    assert answer["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]

    answer, payload = _invoke(lambda_client, name, {"seconds": 0})
    assert "FunctionError" not in answer
    assert payload["statusCode"] == 200


def test_reserved_concurrency_of_one_throttles_the_second_concurrent_invoke(
    local_cloud: LocalCloudHandle, lambda_client: Any
) -> None:
    name = local_cloud.stack_output("SerialFunctionName")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def call() -> None:
        barrier.wait()
        try:
            answer, _ = _invoke(lambda_client, name, {"seconds": 1.5})
            outcomes.append(f"ok {answer['StatusCode']}")
        except lambda_client.exceptions.TooManyRequestsException:
            outcomes.append("throttled")

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok 200", "throttled"]


def test_crash_traceback_reaches_cloudwatch_logs(
    local_cloud: LocalCloudHandle, lambda_client: Any
) -> None:
    name = local_cloud.stack_output("CrashFunctionName")
    _invoke(lambda_client, name, {})
    logs = aws_client(local_cloud, "logs")
    # Where Lambda puts the logs: the function's LoggingConfig.LogGroup when it names one
    # (the stacks do), else /aws/lambda/<name>; the control plane answers which.
    config = aws_client(local_cloud, "lambda").get_function_configuration(FunctionName=name)
    group = config["LoggingConfig"]["LogGroup"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=group).get("events", [])
        if any("ProbeCrashError: probe crashed on purpose" in e["message"] for e in events):
            return
        time.sleep(0.3)
    raise AssertionError("the crash's [ERROR] record never reached CloudWatch Logs")


# ------------------------------------------------------------------ API Gateway over HTTPS


def test_ok_route_is_200(probes: httpx.Client) -> None:
    response = probes.get("ok")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.parametrize(
    "route",
    [
        "crash",  # the handler raised
        "malformed",  # the handler returned something that is not a proxy response
        "slow",  # the function timed out (a function error, not a gateway timeout)
    ],
)
def test_function_failure_is_502_internal_server_error(probes: httpx.Client, route: str) -> None:
    response = probes.get(route)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_integration_timeout_is_504_after_the_integration_timeout(probes: httpx.Client) -> None:
    started = time.monotonic()
    response = probes.get("gateway-timeout")  # integration timeout 1 s, function sleeps 3 s
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}
    assert 0.9 <= elapsed < 2.5


def test_stage_method_throttling_answers_429(probes: httpx.Client) -> None:
    # The same function without the method setting is not throttled: the 429 is the stage's.
    assert [probes.get("ok").status_code for _ in range(5)] == [200] * 5
    responses = [probes.get("throttled") for _ in range(5)]  # rate 1/s, burst 1
    statuses = [r.status_code for r in responses]
    assert 200 in statuses
    throttled = [r for r in responses if r.status_code == 429]
    assert throttled, statuses
    assert throttled[0].json() == {"message": "Too Many Requests"}
