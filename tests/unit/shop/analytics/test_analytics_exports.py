"""The daily export and the report it triggers, against moto's S3 and DynamoDB."""

from __future__ import annotations

import json

import pytest
from analytics_harness import BUCKET, Cloud, kinesis_event, order_placed

from stratus.shop.analytics.exports import BadExportEventError, Exporter, Reporter, export_day

SCHEDULED = {
    "version": "0", "id": "e-1", "detail-type": "Scheduled Event", "source": "aws.events",
    "time": "2026-11-30T00:05:00Z", "detail": {},
}


def _s3_event(key: str) -> dict:
    return {"Records": [{"eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": BUCKET}, "object": {"key": key}}}]}


def test_export_then_report_of_the_counters(cloud: Cloud) -> None:
    cloud.consumer.handle_batch(
        kinesis_event(
            order_placed("o-1", ("p-a", 2, "8.26")),
            {"type": "PageView", "productId": "p-a", "at": "t"},
            {"type": "PageView", "productId": "p-b", "at": "t"},
        ),
        None,
    )
    key = Exporter(cloud.s3, BUCKET, cloud.counters).export(SCHEDULED)
    assert key == "exports/2026-11-30.json"
    export = json.loads(cloud.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert export["date"] == "2026-11-30"
    assert [p["productId"] for p in export["products"]] == ["p-a", "p-b"]
    assert export["products"][0]["revenue"] == "8.26"

    assert Reporter(cloud.s3).handle(_s3_event(key)) == ["reports/2026-11-30.html"]
    page = cloud.s3.get_object(Bucket=BUCKET, Key="reports/2026-11-30.html")
    assert page["ContentType"].startswith("text/html")
    text = page["Body"].read().decode()
    assert "1 orders, revenue 8.26; 2 page views; conversion (orders / page views) 50.0%" in text


def test_a_report_is_refused_for_other_keys_and_bad_exports(cloud: Cloud) -> None:
    reporter = Reporter(cloud.s3)
    with pytest.raises(BadExportEventError):
        reporter.handle(_s3_event("reports/2026-11-30.html"))
    cloud.s3.put_object(Bucket=BUCKET, Key="exports/2026-11-29.json", Body=b"{oops")
    with pytest.raises(BadExportEventError):
        reporter.handle(_s3_event("exports/2026-11-29.json"))
    with pytest.raises(BadExportEventError):
        reporter.handle({"Records": [{"s3": {}}]})


def test_export_day_comes_from_the_event_time() -> None:
    assert export_day({"time": "2026-01-02T23:59:59Z"}) == "2026-01-02"
    with pytest.raises(BadExportEventError):
        export_day({"time": "yesterday"})
