"""Lambda metrics per alias reach CloudWatch locally, so an alarm on an alias fires.

The CDK app (`tests/fixtures/apps/alias_metrics`) reaches one function only through its
`live` alias: an HTTP API integration on the alias ARN and an SQS event source mapping on
the alias. Its alarm watches `alias.metric_errors()` (FunctionName + Resource), the series
AWS publishes for invocations through an alias
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LocalCloudHandle, app_cloud, copy_fixture_app
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "alias_metrics"
FUNCTION = "alias-metrics-fn"
LIVE = {"Name": "Resource", "Value": f"{FUNCTION}:live"}
NAME = {"Name": "FunctionName", "Value": FUNCTION}


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    app_dir = copy_fixture_app(tmp_path_factory, FIXTURE)
    with app_cloud(app_dir, env={"STRATUS_ALARM_SECONDS": "1"}) as handle:
        yield handle


def _wait(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def _sum(cw: Any, metric: str, dimensions: list[dict[str, str]]) -> float:
    end = datetime.now(UTC) + timedelta(minutes=1)
    points = cw.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName=metric,
        Dimensions=dimensions,
        StartTime=end - timedelta(minutes=15),
        EndTime=end,
        Period=60,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    return float(sum(p["Sum"] for p in points))


def _state(cw: Any) -> str:
    [alarm] = cw.describe_alarms(AlarmNames=["alias-metrics-errors"])["MetricAlarms"]
    return str(alarm["StateValue"])


def test_alias_invocations_count_under_the_alias_and_its_alarm_fires(
    cloud: LocalCloudHandle,
) -> None:
    cw = aws_client(cloud, "cloudwatch")
    url = str(cloud.stack_output("ApiUrl")).rstrip("/")
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with httpx.Client(verify=verify, timeout=35) as http:
        ok = http.get(f"{url}/hello")
        assert ok.status_code == 200, ok.text
        assert ok.json() == {"version": "1", "arn": ok.json()["arn"]}
        assert ok.json()["arn"].endswith(f":function:{FUNCTION}:live")
        assert _state(cw) != "ALARM"
        for _ in range(3):
            assert http.get(f"{url}/hello", params={"fail": "1"}).status_code == 500
    aws_client(cloud, "sqs").send_message(QueueUrl=cloud.stack_output("QueueUrl"), MessageBody="ok")

    _wait(lambda: _state(cw) == "ALARM")
    # 4 HTTP calls and 1 SQS batch, all through the alias, all run by version 1.
    _wait(lambda: _sum(cw, "Invocations", [NAME, LIVE]) >= 5)
    assert _sum(cw, "Invocations", [NAME, LIVE]) == 5
    assert _sum(cw, "Errors", [NAME, LIVE]) == 3
    executed = [NAME, LIVE, {"Name": "ExecutedVersion", "Value": "1"}]
    assert _sum(cw, "Errors", executed) == 3
    assert _sum(cw, "Invocations", [NAME]) == 5
    # An alias invocation is not counted as a call of the version by name.
    version = [NAME, {"Name": "Resource", "Value": f"{FUNCTION}:1"}]
    assert _sum(cw, "Invocations", version) == 0
    durations = cw.list_metrics(Namespace="AWS/Lambda", MetricName="Duration", Dimensions=[LIVE])
    assert durations["Metrics"]
