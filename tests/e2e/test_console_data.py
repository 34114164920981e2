"""The console's data pages in Debian's headless Chromium against a real local cloud: tables
(listed, items paged forward and back), buckets (objects under a prefix, a download link
that returns the bytes), alarms (the blog's, with history and threshold plot), metrics (a
metric the test put, drawn as SVG points) and the blog's dashboard drawn inside the console.
No page breaks its Content-Security-Policy (a violation is a console error)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import boto3
import pytest
from botocore.config import Config
from playwright.sync_api import Browser, Page, expect
from tests.e2e.console_browser import chromium, watched_page

pytestmark = pytest.mark.e2e


def _aws(local_cloud: Any, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=local_cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _pages_of_bad_input_expected(url: str, status: int) -> bool:
    """The 400 and 404 pages of bad tokens and unknown names are what some tests visit."""
    return "/console/static/" not in url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with watched_page(browser, expected=_pages_of_bad_input_expected, timeout_ms=20_000) as (
        opened,
        problems,
    ):
        yield opened
    assert problems == [], problems  # a script error or a Content-Security-Policy violation


def _console(local_cloud: Any, path: str) -> str:
    return f"{local_cloud.gateway_origin}/console{path}"


def test_tables_page_lists_the_todo_table(local_cloud: Any, page: Page) -> None:
    page.goto(_console(local_cloud, "/tables"))
    todo = page.get_by_role("link", name="Stratus-local-Todo-StorageTodoTable", exact=False)
    expect(todo.first).to_be_visible()
    todo.first.click()
    expect(page.locator("h1")).to_contain_text("TodoTable")
    expect(page.locator("dl.facts")).to_contain_text("pk HASH (S)")


@pytest.fixture
def scratch_table(local_cloud: Any) -> Iterator[str]:
    """A table of the test's own, deleted afterwards (other tests share this cloud)."""
    dynamodb = _aws(local_cloud, "dynamodb")
    name = f"console-e2e-{secrets.token_hex(4)}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    dynamodb.delete_table(TableName=name)


@pytest.fixture
def scratch_bucket(local_cloud: Any) -> Iterator[str]:
    """A bucket of the test's own, emptied and deleted afterwards."""
    s3 = _aws(local_cloud, "s3")
    bucket = f"console-e2e-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=bucket)
    yield bucket
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents") or []:
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)


def test_a_table_pages_through_the_items_the_test_wrote(
    local_cloud: Any, page: Page, scratch_table: str
) -> None:
    dynamodb = _aws(local_cloud, "dynamodb")
    name = scratch_table
    for i in range(30):
        item = {"id": {"S": f"item-{i:02d}"}, "n": {"N": str(i)}, "tags": {"SS": ["a", "b"]}}
        dynamodb.put_item(TableName=name, Item=item)
    page.goto(_console(local_cloud, "/tables"))
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_label("Per page").fill("10")
    page.get_by_role("button", name="Scan").click()

    def ids() -> list[str]:
        cells = page.locator("#items tbody tr td:first-child").all_inner_texts()
        return [c.removeprefix("S").strip() for c in cells]

    seen: list[list[str]] = []
    for number in range(3):
        expect(page.locator("#items tbody tr")).to_have_count(10)
        seen.append(ids())
        if number < 2:
            page.get_by_role("link", name="Next page").click()
    assert sorted(i for page_ids in seen for i in page_ids) == [f"item-{i:02d}" for i in range(30)]
    expect(page.locator("h2")).to_contain_text("page 3")
    if page.get_by_role("link", name="Next page").count():  # DynamoDB may end on a full page
        page.get_by_role("link", name="Next page").click()
        expect(page.locator("#no-items")).to_be_visible()
        page.get_by_role("link", name="Previous page").click()
        assert ids() == seen[2]
    page.get_by_role("link", name="Previous page").click()
    assert ids() == seen[1]
    page.get_by_role("link", name="Previous page").click()
    assert ids() == seen[0]
    expect(page.get_by_role("link", name="Previous page")).to_have_count(0)
    expect(page.locator("#items")).to_contain_text('["a", "b"]')
    page.get_by_label("Partition key").fill("item-07")
    page.get_by_role("button", name="Scan").click()
    assert ids() == ["item-07"]
    forged = page.goto(f"{page.url.split('?')[0]}?page=eyJub3QiOnsiUyI6ImEifX0")
    assert forged is not None and forged.status == 400


def test_a_bucket_lists_uploaded_objects_and_downloads_one(
    local_cloud: Any, page: Page, scratch_bucket: str
) -> None:
    s3 = _aws(local_cloud, "s3")
    bucket = scratch_bucket
    folder = f"uploads/{secrets.token_hex(3)}/"
    bodies = {
        f"{folder}report.csv": b"a,b\n1,2\n",
        f"{folder}odd name #1 %41+ä.txt": "odd key ✓".encode(),
        f"{folder}deeper/leaf.bin": bytes(range(256)),
    }
    for key, body in bodies.items():
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType="text/plain",
            Metadata={"origin": "console-test"},
        )
    page.goto(_console(local_cloud, "/buckets"))
    page.get_by_role("link", name=bucket, exact=True).click()
    page.get_by_role("link", name="uploads/").click()
    page.get_by_role("link", name=folder.removeprefix("uploads/")).click()
    rows = page.locator("#objects tbody tr")
    expect(rows).to_have_count(3)  # deeper/ as a folder, two objects
    expect(page.locator("tr.folder")).to_contain_text("deeper/")
    expect(page.locator("tr.object").first).to_contain_text("text/plain")
    page.get_by_role("link", name="odd name #1 %41+ä.txt").click()
    expect(page.locator("dl.facts")).to_contain_text("text/plain")
    expect(page.locator("main table")).to_contain_text("console-test")
    href = page.locator("#download").get_attribute("href")
    assert href is not None and "X-Amz-Signature=" in href
    answer = page.request.get(href)
    assert answer.status == 200
    assert answer.body() == bodies[f"{folder}odd name #1 %41+ä.txt"]
    missing = page.goto(_console(local_cloud, f"/buckets/{bucket}/object?key=..%2F..%2Fetc"))
    assert missing is not None and missing.status == 404


def test_alarms_page_lists_the_blogs_alarms(local_cloud: Any, page: Page) -> None:
    cloudwatch = _aws(local_cloud, "cloudwatch")
    [alarm] = [
        a
        for a in cloudwatch.describe_alarms(MaxRecords=100)["MetricAlarms"]
        if a["AlarmName"].startswith("Stratus-local-Blog-MonitoringApi5xx")
    ]
    now = datetime.now(UTC)
    cloudwatch.put_metric_data(
        Namespace=alarm["Namespace"],
        MetricData=[
            {
                "MetricName": alarm["MetricName"],
                "Dimensions": alarm["Dimensions"],
                "Value": v,
                "Timestamp": now - timedelta(minutes=m),
            }
            for m, v in ((20, 0.0), (10, 1.0), (2, 0.0))
        ],
    )
    page.goto(_console(local_cloud, "/alarms"))
    blog = page.locator("#alarms tbody tr", has_text="Stratus-local-Blog-")
    assert blog.count() >= 6
    page.get_by_role("link", name=alarm["AlarmName"]).click()
    expect(page.locator("h1")).to_have_text(alarm["AlarmName"])
    expect(page.locator("#state")).to_have_text(alarm["StateValue"])
    plot = page.locator("#plot svg")
    expect(plot).to_be_visible()
    expect(plot.locator("line.annotation")).to_have_count(1)  # the threshold
    expect(plot.locator("polyline.series")).to_have_count(1)
    expect(page.locator("h2", has_text="State history")).to_be_visible()


def test_a_metric_the_test_put_is_plotted_as_svg(local_cloud: Any, page: Page) -> None:
    namespace = f"ConsoleE2E/{secrets.token_hex(3)}"
    now = datetime.now(UTC)
    _aws(local_cloud, "cloudwatch").put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "Widgets",
                "Dimensions": [{"Name": "Shop", "Value": "one"}],
                "Value": float(v),
                "Timestamp": now - timedelta(minutes=m),
            }
            for m, v in ((9, 3), (6, 5), (3, 4), (1, 8))
        ],
    )
    page.goto(_console(local_cloud, "/metrics"))
    page.get_by_label("Namespace").select_option(namespace)  # the page's script submits
    expect(page.get_by_label("Metric")).to_be_visible()
    page.get_by_label("Metric").select_option("Widgets")
    expect(page.get_by_label("Dimensions")).to_be_visible()
    page.get_by_label("Statistic").select_option("Sum")
    page.get_by_label("Last").select_option("15m")
    series = page.locator("#plot svg polyline.series")
    expect(series).to_have_count(1)
    points = (series.get_attribute("points") or "").split()
    assert len(points) == 4
    assert "dims=Shop%3Done" in page.url and "stat=Sum" in page.url  # a plot is a URL
    query = urlencode(
        {"namespace": namespace, "metric": "Widgets", "dims": "Shop=one", "range": "2y"}
    )
    bad = page.goto(_console(local_cloud, f"/metrics?{query}"))
    assert bad is not None and bad.status == 400


def test_the_blog_dashboard_renders_in_the_console(local_cloud: Any, page: Page) -> None:
    page.goto(_console(local_cloud, "/dashboards"))
    link = page.locator("#dashboards a", has_text="-blog")
    name = link.inner_text()
    link.click()
    expect(page.locator("main h1").first).to_have_text(name)
    title = page.locator("#widget-0 h1")
    expect(title).to_be_visible()
    assert title.inner_text().startswith("MyBlog.com")
    graphs = page.locator("#dashboard section[data-type=metric] svg.chart")
    expect(graphs).to_have_count(3)
    box = graphs.first.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100
    expect(page.locator("#widget-4 .alarms li")).to_have_count(6)
    missing = page.goto(_console(local_cloud, f"/dashboards/{quote('no-such-board')}"))
    assert missing is not None and missing.status == 404
