"""The dashboard pages over moto's CloudWatch (in process): what PutMetricData stored is
drawn, text widgets are sanitised, names escaped, bad input answered with a 4xx."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from starlette.responses import Response

from stratus.local.cloudwatch import moto_patches
from stratus.local.cloudwatch.dashboard.pages import BASE_PATH, DashboardPages
from stratus.local.core.aws_request import AwsRequest

ACCOUNT = "123456789012"
ALARM_ARN = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:api-errors"
BODY = {
    "start": "-PT1H",
    "widgets": [
        {"type": "text", "width": 24, "height": 2, "x": 0, "y": 0,
         "properties": {"markdown": "# Shop\n<script>alert(1)</script> [x](javascript:alert(2))"}},
        {"type": "metric", "width": 12, "height": 6, "x": 0, "y": 2,
         "properties": {"view": "timeSeries", "title": "Requests <all>", "region": "us-east-1",
                        "metrics": [["Shop", "Requests", "Service", "api",
                                     {"stat": "Sum", "period": 60}]]}},
        {"type": "metric", "width": 6, "height": 3, "x": 12, "y": 2,
         "properties": {"view": "singleValue", "title": "Latest", "region": "us-east-1",
                        "metrics": [["Shop", "Requests", "Service", "api",
                                     {"stat": "Sum", "period": 60}]]}},
        {"type": "alarm", "width": 6, "height": 3, "x": 18, "y": 2,
         "properties": {"title": "Alarms", "alarms": [ALARM_ARN]}},
    ],
}  # fmt: skip


@pytest.fixture
def pages() -> Iterator[DashboardPages]:
    moto_patches.install()
    with mock_aws():
        client = boto3.client("cloudwatch", region_name="us-east-1")
        now = datetime.now(UTC)
        client.put_metric_data(
            Namespace="Shop",
            MetricData=[
                {
                    "MetricName": "Requests",
                    "Dimensions": [{"Name": "Service", "Value": "api"}],
                    "Value": float(minutes),
                    "Timestamp": now - timedelta(minutes=minutes),
                }
                for minutes in (2, 5, 9)
            ],
        )
        client.put_metric_alarm(
            AlarmName="api-errors", Namespace="Shop", MetricName="Errors", Statistic="Sum",
            Period=60, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )  # fmt: skip
        client.put_dashboard(DashboardName="shop", DashboardBody=json.dumps(BODY))
        client.put_dashboard(DashboardName="broken", DashboardBody='{"widgets": {}}')
        handler = DashboardPages()
        handler.account = ACCOUNT
        yield handler


def _get(pages: DashboardPages, path: str, query: str = "") -> Response:
    request = AwsRequest("GET", path, path, query, {}, b"")
    matched = [r for r in pages.routes() if re.match(r.pattern, path)]
    assert matched, path

    async def call() -> Response | None:
        return await matched[0].handler(request)

    result = asyncio.run(call())
    assert result is not None
    return result


def _text(response: Response) -> str:
    return bytes(response.body).decode()


def test_index_lists_dashboards_with_links(pages: DashboardPages) -> None:
    page = _text(_get(pages, BASE_PATH))
    assert f'href="{BASE_PATH}/shop"' in page and f'href="{BASE_PATH}/broken"' in page
    listed = json.loads(_text(_get(pages, BASE_PATH + "/", "format=json")))
    assert listed == {
        "dashboards": [
            {"name": "broken", "region": "us-east-1"},
            {"name": "shop", "region": "us-east-1"},
        ]
    }


def test_dashboard_page_draws_stored_points_numbers_text_and_alarms(pages: DashboardPages) -> None:
    response = _get(pages, f"{BASE_PATH}/shop")
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = _text(response)
    [points] = re.findall(r'<polyline class="series"[^>]* points="([^"]*)"', page)
    assert len(points.split()) == 3
    assert re.search(r'<div class="value">2</div>', page)  # the latest minute's Sum
    assert "<h1>Shop</h1>" in page
    assert "<script" not in page and 'href="javascript' not in page
    assert "Requests &lt;all&gt;" in page and "<all>" not in page
    assert 'data-state="INSUFFICIENT_DATA"' in page and "api-errors" in page
    assert 'style="grid-column:1 / span 24;grid-row:1 / span 2"' in page


def test_json_format_has_the_resolved_series_per_widget(pages: DashboardPages) -> None:
    data = json.loads(_text(_get(pages, f"{BASE_PATH}/shop", "format=json&start=-PT30M")))
    text, graph, number, alarm = data["widgets"]
    assert text["type"] == "text" and text["markdown"].startswith("# Shop")
    [series] = graph["series"]
    assert series["values"] == [9.0, 5.0, 2.0] and series["period"] == 60
    assert len(series["timestamps"]) == 3 and series["color"] == "#1f77b4"
    assert (graph["x"], graph["y"], graph["width"], graph["height"]) == (0, 2, 12, 6)
    assert number["view"] == "singleValue" and number["series"][0]["values"][-1] == 2.0
    assert alarm["alarms"][0]["name"] == "api-errors"
    assert datetime.fromisoformat(data["end"]) - datetime.fromisoformat(data["start"]) == timedelta(
        minutes=30
    )


def test_range_from_the_query_string_narrows_the_data(pages: DashboardPages) -> None:
    data = json.loads(_text(_get(pages, f"{BASE_PATH}/shop", "format=json&start=-PT4M")))
    assert data["widgets"][1]["series"][0]["values"] == [2.0]


def test_unknown_dashboard_is_a_404_page(pages: DashboardPages) -> None:
    response = _get(pages, f"{BASE_PATH}/nope<b>")
    assert response.status_code == 404
    assert "nope&lt;b&gt;" in _text(response) and "<b>" not in _text(response)
    assert _get(pages, f"{BASE_PATH}/nope", "format=json").status_code == 404


def test_bad_range_or_format_is_a_400(pages: DashboardPages) -> None:
    response = _get(pages, f"{BASE_PATH}/shop", "start=yesterday")
    assert response.status_code == 400 and "yesterday" in _text(response)
    assert _get(pages, f"{BASE_PATH}/shop", "format=xml").status_code == 400
    assert _get(pages, BASE_PATH, "format=xml").status_code == 400


def test_malformed_body_is_still_a_page_that_says_why(pages: DashboardPages) -> None:
    response = _get(pages, f"{BASE_PATH}/broken")
    assert response.status_code == 200
    assert "the dashboard body has no widgets array" in _text(response)
    data: dict[str, Any] = json.loads(_text(_get(pages, f"{BASE_PATH}/broken", "format=json")))
    assert data["error"] == "the dashboard body has no widgets array"
