"""The data pages against moto in-process: each answers 200 HTML naming what it lists, and
bad input (unknown names, forged page tokens, bad ranges, traversal) is a 400 or 404 page,
never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from moto import mock_aws
from starlette.applications import Starlette
from starlette.testclient import TestClient

from stratus.local.cloudwatch import moto_patches
from stratus.local.console import app as console_app
from stratus.local.console.data import tokens
from stratus.local.core.settings import LocalSettings

ACCOUNT = "123456789012"  # moto's own account under mock_aws
REGION = "us-east-1"


@pytest.fixture
def console(tmp_path: Path) -> Iterator[TestClient]:
    moto_patches.install()
    with mock_aws():
        settings = LocalSettings.for_project(tmp_path, account_id=ACCOUNT)
        clients: dict[tuple[str, str], Any] = {}

        def aws(service: str, region: str = REGION) -> Any:
            if (service, region) not in clients:
                clients[service, region] = boto3.client(service, region_name=region)  # type: ignore[call-overload]
            return clients[service, region]

        cloud = SimpleNamespace(settings=settings, deployment=None, aws=aws)
        gateway = Starlette(routes=console_app.console_routes(cloud))  # type: ignore[arg-type]
        yield TestClient(gateway, client=("127.0.0.1", 50000), follow_redirects=False)


def _aws(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]


def test_tables_list_and_page_through_items(console: TestClient) -> None:
    ddb = _aws("dynamodb")
    ddb.create_table(
        TableName="people",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(5):
        ddb.put_item(TableName="people", Item={"id": {"S": f"p{i}"}, "html": {"S": "<b>x</b>"}})
    listed = console.get("/console/tables")
    assert listed.status_code == 200 and "people" in listed.text
    first = console.get("/console/tables/people?limit=2")
    assert first.status_code == 200 and first.text.count("<tr><td") == 2
    assert "&lt;b&gt;x&lt;/b&gt;" in first.text and "<b>x</b>" not in first.text
    next_href = first.text.split('" rel="next"')[0].rsplit('href="', 1)[1].replace("&amp;", "&")
    second = console.get(next_href)
    assert second.status_code == 200 and "page 2" in second.text
    assert second.text.count("<tr><td") == 2 and 'rel="prev"' in second.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/console/tables/nope", 404),
        ("/console/tables/..%2F..%2Fetc%2Fpasswd", 404),
        ("/console/tables/a", 404),
        ("/console/tables?region=mars-1", 400),
        ("/console/tables/people?page=%%%", 400),
        ("/console/tables/people?page=" + tokens.encode({"other": {"S": "x"}}), 400),
        ("/console/tables/people?page=" + tokens.encode({"id": {"M": {}}}), 400),
        ("/console/tables/people?trail=a.b%20c&page=" + tokens.encode({"id": {"S": "x"}}), 400),
        ("/console/tables/people?limit=0", 400),
        ("/console/tables/people?limit=ten", 400),
        ("/console/tables/people?index=nope", 400),
        ("/console/tables/people?pk=" + "x" * 5000, 400),
    ],
)
def test_bad_table_input_is_a_console_page(console: TestClient, path: str, status: int) -> None:
    _aws("dynamodb").create_table(
        TableName="people",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    response = console.get(path)
    assert response.status_code == status
    assert "Traceback" not in response.text and 'role="alert"' in response.text


def test_buckets_objects_and_odd_keys(console: TestClient) -> None:
    s3 = _aws("s3")
    s3.create_bucket(Bucket="files")
    odd = "a/../b/%2e%2e/ä #?&.txt"
    for key in ("top.txt", "a/one.txt", odd):
        s3.put_object(Bucket="files", Key=key, Body=b"x", ContentType="text/plain")
    listed = console.get("/console/buckets")
    assert listed.status_code == 200 and "files" in listed.text
    root = console.get("/console/buckets/files")
    assert root.status_code == 200 and "top.txt" in root.text and "a/" in root.text
    detail = console.get("/console/buckets/files/object?" + urlencode({"key": "top.txt"}))
    assert detail.status_code == 200 and "X-Amz-Signature=" in detail.text
    rewritten = console.get("/console/buckets/files/object?" + urlencode({"key": odd}))
    assert rewritten.status_code == 200 and 'id="no-download"' in rewritten.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/console/buckets/NOPE", 404),
        ("/console/buckets/no-such-bucket", 404),
        ("/console/buckets/files/object?key=..%2F..%2Fetc%2Fpasswd", 404),
        ("/console/buckets/files/object", 400),
        ("/console/buckets/files/object?key=" + "k" * 1100, 400),
        ("/console/buckets/files?page=" + tokens.encode("forged-aws-token"), 400),
        ("/console/buckets/files?page=" + tokens.encode(["t", "0" * 32]), 400),
        ("/console/buckets/files?limit=1000", 400),
    ],
)
def test_bad_bucket_input_is_a_console_page(console: TestClient, path: str, status: int) -> None:
    _aws("s3").create_bucket(Bucket="files")
    response = console.get(path)
    assert response.status_code == status
    assert "Traceback" not in response.text


def _alarm_and_data() -> None:
    cw = _aws("cloudwatch")
    cw.put_metric_data(
        Namespace="App", MetricData=[{"MetricName": "Errors", "Value": 3.0, "Unit": "Count"}]
    )
    cw.put_metric_alarm(
        AlarmName="errors/high",
        Namespace="App",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[f"arn:aws:sns:{REGION}:{ACCOUNT}:pager"],
    )
    cw.set_alarm_state(AlarmName="errors/high", StateValue="ALARM", StateReason="too many")


def test_alarms_and_their_history(console: TestClient) -> None:
    _alarm_and_data()
    listed = console.get("/console/alarms")
    assert listed.status_code == 200 and "errors/high" in listed.text
    assert 'href="/console/topics/pager"' in listed.text
    detail = console.get("/console/alarms/errors%2Fhigh")
    assert detail.status_code == 200
    assert "too many" in detail.text and 'class="annotation"' in detail.text
    assert console.get("/console/alarms/nope").status_code == 404
    assert console.get("/console/alarms/errors%2Fhigh?range=9y").status_code == 400
    assert console.get("/console/alarms/errors%2Fhigh?page=AAAA").status_code == 400


def test_metrics_choose_and_plot(console: TestClient) -> None:
    _alarm_and_data()
    assert "App" in console.get("/console/metrics").text
    assert "Errors" in console.get("/console/metrics?namespace=App").text
    plot = console.get("/console/metrics?namespace=App&metric=Errors&stat=Sum&range=15m")
    assert plot.status_code == 200 and 'class="series"' in plot.text
    for bad in ("range=2y", "stat=Median", "period=7", "dims=%3Dx", "start=soon", "region=mars-1"):
        response = console.get(f"/console/metrics?namespace=App&metric=Errors&{bad}")
        assert response.status_code == 400, bad


def test_dashboards_are_drawn_by_the_endpoints_renderer(console: TestClient) -> None:
    _alarm_and_data()
    body = {
        "widgets": [
            {
                "type": "text",
                "width": 24,
                "height": 2,
                "properties": {"markdown": "# Shop <script>alert(1)</script>"},
            },
            {
                "type": "metric",
                "width": 12,
                "height": 6,
                "properties": {"metrics": [["App", "Errors"]], "region": REGION, "title": "Errs"},
            },
        ]
    }
    _aws("cloudwatch").put_dashboard(DashboardName="ops", DashboardBody=json.dumps(body))
    assert "ops" in console.get("/console/dashboards").text
    page = console.get("/console/dashboards/ops?range=1h")
    assert page.status_code == 200 and 'class="grid"' in page.text and "svg" in page.text
    assert "<script>alert" not in page.text
    css = console.get("/console/dashboards/widgets.css")
    assert css.status_code == 200 and ".widget" in css.text
    assert console.get("/console/dashboards/nope").status_code == 404
    assert console.get("/console/dashboards/..%2Fx").status_code == 404
    assert console.get("/console/dashboards/ops?range=2y").status_code == 400
    bad = console.get("/console/dashboards/ops?start=2026-01-02T00:00Z&end=2026-01-01T00:00Z")
    assert bad.status_code == 400


def test_an_index_is_scanned_page_by_page(console: TestClient) -> None:
    ddb = _aws("dynamodb")
    ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "customer", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByCustomer",
                "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(3):
        ddb.put_item(TableName="orders", Item={"id": {"S": f"o{i}"}, "customer": {"S": "ann"}})
    first = console.get("/console/tables/orders?index=ByCustomer&limit=2")
    assert first.status_code == 200 and first.text.count("<tr><td") == 2
    assert "GSI <code>ByCustomer</code>" in first.text
    queried = console.get("/console/tables/orders?index=ByCustomer&pk=ann")
    assert queried.text.count("<tr><td") == 3
    assert console.get("/console/tables/orders?index=ByCustomer&pk=bob").status_code == 200
