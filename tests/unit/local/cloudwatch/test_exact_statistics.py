"""GetMetricStatistics reads only the series with exactly the asked dimensions, as AWS
does, so Lambda's nested sets (FunctionName, + Resource, + ExecutedVersion) are not added
together."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from stratus.local.cloudwatch import moto_patches

NAME = {"Name": "FunctionName", "Value": "fn"}
LIVE = {"Name": "Resource", "Value": "fn:live"}
RAN = {"Name": "ExecutedVersion", "Value": "2"}


@pytest.fixture
def cloudwatch() -> Iterator[Any]:
    moto_patches.install()
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        now = datetime.now(UTC)
        client.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {"MetricName": "Errors", "Dimensions": dims, "Value": value, "Timestamp": now}
                for dims, value in (([NAME], 5.0), ([NAME, LIVE], 3.0), ([LIVE, NAME, RAN], 2.0))
            ],
        )
        yield client


def _sum(client: Any, dimensions: list[dict[str, str]]) -> float:
    now = datetime.now(UTC)
    points = client.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=dimensions,
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return float(sum(p["Sum"] for p in points))


def test_each_dimension_set_is_its_own_series(cloudwatch: Any) -> None:
    assert _sum(cloudwatch, [NAME]) == 5.0
    assert _sum(cloudwatch, [LIVE, NAME]) == 3.0  # order does not matter
    assert _sum(cloudwatch, [NAME, LIVE, RAN]) == 2.0
    assert _sum(cloudwatch, [LIVE]) == 0.0  # a subset names no series
    assert _sum(cloudwatch, []) == 0.0


def _metric_data(client: Any, dimensions: list[dict[str, str]], **extra: Any) -> Any:
    now = datetime.now(UTC)
    stat = {"Metric": {"Namespace": extra.pop("namespace", "AWS/Lambda"),
                       "MetricName": "Errors", "Dimensions": dimensions},
            "Period": 60, "Stat": "Sum"}  # fmt: skip
    return client.get_metric_data(
        MetricDataQueries=[{"Id": "errors", "MetricStat": stat, **extra},
                           {"Id": "same", "Expression": "errors"}],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
    )["MetricDataResults"]


def test_get_metric_data_reads_the_exact_series_too(cloudwatch: Any) -> None:
    def total(dims: list[dict[str, str]], **extra: Any) -> list[float]:
        return [float(sum(r["Values"])) for r in _metric_data(cloudwatch, dims, **extra)]

    assert total([NAME]) == [5.0, 5.0]  # moto's math knows only a query's id
    assert total([LIVE, NAME]) == [3.0, 3.0]
    assert total([NAME, LIVE, RAN]) == [2.0, 2.0]
    assert total([]) == [0.0, 0.0]  # no series without dimensions was ever put
    assert total([NAME], namespace="Other") == [0.0, 0.0]  # the namespace is part of it


def test_get_metric_data_hides_a_query_without_return_data(cloudwatch: Any) -> None:
    results = _metric_data(cloudwatch, [NAME], ReturnData=False)
    assert [r["Id"] for r in results] == ["same"]
    assert sum(results[0]["Values"]) == 5.0
