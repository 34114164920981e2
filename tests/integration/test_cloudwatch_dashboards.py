"""Dashboards drawn by the running local cloud (the session's cloud, with the blog stack):
a dashboard shaped as aws-cdk-lib synthesizes a GraphWidget, SingleValueWidget,
TextWidget, AlarmWidget and AlarmStatusWidget draws what PutMetricData and an EMF log
batch stored; the blog stack's own dashboard renders every widget, its API graph fed by
the gateway's built-in metrics."""

from __future__ import annotations

import json
import re
import secrets
import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import LocalCloudHandle
from tests.integration.cdk_dashboard import cdk_body
from tests.integration.conftest import aws_client

BASE = "/_stratus/cloudwatch/dashboards"


def _wait(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("condition not met in time")


def _emf_batch(cloud: LocalCloudHandle, group: str, service: str, errors: int, when: float) -> None:
    logs = aws_client(cloud, "logs")
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")

    def mark(request: Any, **_: Any) -> None:
        request.headers["x-amzn-logs-format"] = "json/emf"

    logs.meta.events.register("before-sign.logs.PutLogEvents", mark)
    now_ms = int(when * 1000)
    document = {
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [
                {"Namespace": "Dash", "Dimensions": [["Service"]],
                 "Metrics": [{"Name": "Errors", "Unit": "Count"}]}
            ],
        },
        "Service": service,
        "Errors": errors,
    }  # fmt: skip
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now_ms, "message": json.dumps(document)}],
    )


def _get(cloud: LocalCloudHandle, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{cloud.aws_endpoint}{path}", params=params, timeout=30)


def test_cdk_shaped_dashboard_draws_stored_metrics(local_cloud: LocalCloudHandle) -> None:
    service = f"svc-{secrets.token_hex(3)}"
    cloudwatch = aws_client(local_cloud, "cloudwatch")
    now = time.time()
    cloudwatch.put_metric_data(
        Namespace="Dash",
        MetricData=[
            {
                "MetricName": "Requests",
                "Dimensions": [{"Name": "Service", "Value": service}],
                "Value": value,
                "Timestamp": now - minutes * 60,
            }
            for minutes, value in ((12, 10.0), (7, 20.0), (2, 40.0))
        ],
    )
    _emf_batch(local_cloud, f"/dash/{service}", service, errors=4, when=now - 120)
    cloudwatch.put_metric_alarm(
        AlarmName=f"{service}-errors", Namespace="Dash", MetricName="Errors",
        Dimensions=[{"Name": "Service", "Value": service}], Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    arn = f"arn:aws:cloudwatch:us-east-1:000000000000:alarm:{service}-errors"
    cloudwatch.put_dashboard(DashboardName=service, DashboardBody=cdk_body(service, arn))

    listed = _get(local_cloud, BASE, format="json").json()["dashboards"]
    assert {"name": service, "region": "us-east-1"} in listed

    def resolved() -> dict[str, Any] | None:
        data: dict[str, Any] = _get(local_cloud, f"{BASE}/{service}", format="json").json()
        graph = data["widgets"][0]
        return data if len(graph["series"]) == 3 and graph["series"][1]["values"] else None

    data = _wait(resolved)  # the EMF batch reaches CloudWatch through the outbox
    graph, number, text, alarm_graph, status = data["widgets"]
    assert text["markdown"].startswith("# Dash")
    requests, errors, rate = graph["series"]
    assert requests["values"] == [10.0, 20.0, 40.0] and requests["label"] == "Requests"
    assert errors["label"] == "Errs" and errors["values"] == [4.0]
    assert rate["label"] == "Error rate" and rate["yAxis"] == "right"
    assert rate["values"] == [10.0]  # m2/m1*100 where both have a point
    assert graph["notes"] == [] and number["series"][0]["values"][-1] == 40.0
    assert alarm_graph["title"] == "Errors alarm" and alarm_graph["series"][0]["values"] == [4.0]
    assert alarm_graph["annotations"][0]["value"] == 1.0
    assert status["alarms"][0]["name"] == f"{service}-errors"

    page = _get(local_cloud, f"{BASE}/{service}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    lines = re.findall(r'<polyline class="series" data-series="\d+" data-label="([^"]*)" '
                       r'points="([^"]*)"', html)  # fmt: skip
    drawn = {label: len(points.split()) for label, points in lines}
    assert drawn["Requests"] == 3 and drawn["Errs"] == 1
    assert re.search(r'<div class="label">Requests</div><div class="value">40</div>', html)
    assert "<h1>Dash" in html and "<script" not in html
    assert re.search(
        r"<h2>Errors alarm <span class=\"state\"[^>]*>(OK|ALARM|INSUFFICIENT_DATA)<", html
    )
    assert 'id="widget-4"' in html and f"{service}-errors" in html


def test_blog_dashboard_renders_every_widget(local_cloud: LocalCloudHandle) -> None:
    names = [d["name"] for d in _get(local_cloud, BASE, format="json").json()["dashboards"]]
    [blog] = [n for n in names if n.endswith("-blog")]
    api = str(local_cloud.stack_output("BlogApiUrl")).rstrip("/")
    verify = ssl.create_default_context(cafile=str(local_cloud.ca_pem))
    assert httpx.get(f"{api}/api/posts", verify=verify, timeout=30).status_code == 200

    def api_graph() -> dict[str, Any] | None:
        data: dict[str, Any] = _get(local_cloud, f"{BASE}/{blog}", format="json").json()
        graph = data["widgets"][1]
        return data if graph["series"] and graph["series"][0]["values"] else None

    data = _wait(api_graph)  # the gateway's Count reaches CloudWatch on the next tick
    assert data["error"] is None
    assert [w["type"] for w in data["widgets"]] == ["text", "metric", "metric", "metric", "alarm"]
    assert all(w["error"] is None for w in data["widgets"])
    assert [s["label"] for s in data["widgets"][1]["series"]] == ["Count", "5XXError"]
    assert len(data["widgets"][4]["alarms"]) == 6
    assert all(a["found"] for a in data["widgets"][4]["alarms"])
    page = _get(local_cloud, f"{BASE}/{blog}")
    assert page.status_code == 200
    assert all(f'id="widget-{i}"' in page.text for i in range(5))
    assert page.text.count("<svg") >= 3


def test_unknown_dashboard_and_bad_range(local_cloud: LocalCloudHandle) -> None:
    assert _get(local_cloud, f"{BASE}/no-such-dashboard").status_code == 404
    names = [d["name"] for d in _get(local_cloud, BASE, format="json").json()["dashboards"]]
    bad = _get(local_cloud, f"{BASE}/{names[0]}", start="-PTXH")
    assert bad.status_code == 400 and "-PTXH" in bad.text
