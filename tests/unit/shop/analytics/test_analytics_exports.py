"""The daily export and the report it triggers, against moto's S3 and DynamoDB."""

from __future__ import annotations

import json
from datetime import date

import pytest
from analytics_harness import BUCKET, Cloud, kinesis_event, order_placed, view

from stratus.shop.analytics.exports import BadExportEventError, Exporter, Reporter, export_day

SCHEDULED = {
    "version": "0", "id": "e-1", "detail-type": "Scheduled Event", "source": "aws.events",
    "time": "2026-12-01T00:05:00Z", "detail": {}, "resources": [], "region": "us-east-1",
    "account": "123456789012",
}


def _s3_event(key: str) -> dict:
    return {"Records": [{"eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": BUCKET}, "object": {"key": key}}}]}


def test_export_then_report_of_the_counters(cloud: Cloud) -> None:
    cloud.consumer.handle_batch(
        kinesis_event(
            order_placed("o-1", ("p-a", 2, "8.26")),
            view("p-a"),
            view("p-b"),
        ),
        None,
    )
    key = Exporter(cloud.s3, BUCKET, cloud.daily).export(SCHEDULED).key
    assert key == "exports/2026-11-30.json"  # the day before the schedule fired
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


def test_the_schedule_exports_the_day_before_it_fired() -> None:
    assert export_day({**SCHEDULED, "time": "2026-01-01T00:05:00Z"}) == "2025-12-31"
    with pytest.raises(BadExportEventError):
        export_day({**SCHEDULED, "time": "yesterday"})
    with pytest.raises(BadExportEventError):
        export_day({k: v for k, v in SCHEDULED.items() if k != "time"})


def test_an_operator_may_export_any_past_day_or_today() -> None:
    today = date(2026, 11, 30)
    assert export_day({"day": "2026-11-30"}, today) == "2026-11-30"
    assert export_day({"day": "2024-02-29"}, today) == "2024-02-29"


@pytest.mark.parametrize(
    "event",
    [
        {"day": "2026-12-01"},  # not over yet: not even started
        {"day": "2026-13-01"},
        {"day": "2025-02-29"},
        {"day": "2026-11-30T00:00:00Z"},
        {"day": "../../reports/x"},
        {"day": "2026-11-3"},
        {"day": 20261130},
        {"day": None},
        {"day": "2026-11-30", "bucket": "elsewhere"},
        {},
        {"time": "2026-11-30T00:05:00Z"},  # a time alone is not a schedule's event
        [],
        "2026-11-30",
        None,
    ],
)
def test_bad_export_requests_are_refused_naming_the_problem(event: object) -> None:
    with pytest.raises(BadExportEventError) as refused:
        export_day(event, date(2026, 11, 30))
    assert refused.value.status == 400 and refused.value.message


def test_each_day_exports_its_own_figures_and_a_rerun_writes_nothing(cloud: Cloud) -> None:
    cloud.consumer.handle_batch(
        kinesis_event(
            order_placed("o-1", ("p-a", 2, "8.00"), placed="2026-11-28T10:00:00Z"),
            view("p-a", at="2026-11-28T11:00:00Z"),
            order_placed("o-2", ("p-b", 1, "3.00"), placed="2026-11-29T10:00:00Z"),
            view("p-a", at="2026-11-29T12:00:00Z"),
            view("p-a", at="2026-11-29T13:00:00Z"),
        ),
        None,
    )
    exporter = Exporter(cloud.s3, BUCKET, cloud.daily)

    def export(day: str) -> dict:
        written = exporter.export({"day": day})
        assert written.key == f"exports/{day}.json" and written.changed
        return json.loads(cloud.s3.get_object(Bucket=BUCKET, Key=written.key)["Body"].read())

    first, second = export("2026-11-28"), export("2026-11-29")
    assert first == {"date": "2026-11-28", "products": [
        {"productId": "p-a", "orders": 1, "units": 2, "revenue": "8.00", "paymentsFailed": 0,
         "pageViews": 1}]}
    assert [(p["productId"], p["orders"], p["pageViews"]) for p in second["products"]] == [
        ("p-a", 0, 2), ("p-b", 1, 0)]
    again = exporter.export({"day": "2026-11-29"})
    assert not again.changed
    versions = cloud.s3.list_object_versions(Bucket=BUCKET, Prefix="exports/2026-11-29.json")
    assert len(versions["Versions"]) == 1
    # A late record for the day: the next run writes the new figures.
    cloud.consumer.handle_batch(
        kinesis_event(view("p-b", at="2026-11-29T23:59:00Z"), first=50), None
    )
    assert exporter.export({"day": "2026-11-29"}).changed


def test_a_day_without_events_exports_no_products_and_reports_so(cloud: Cloud) -> None:
    written = Exporter(cloud.s3, BUCKET, cloud.daily).export({"day": "2026-11-01"})
    body = cloud.s3.get_object(Bucket=BUCKET, Key=written.key)["Body"].read()
    assert json.loads(body) == {"date": "2026-11-01", "products": []}
    Reporter(cloud.s3).handle(_s3_event(written.key))
    page = cloud.s3.get_object(Bucket=BUCKET, Key="reports/2026-11-01.html")["Body"].read()
    assert b"0 products; 0 orders, revenue 0; 0 page views" in page


def test_the_export_function_answers_a_bad_request_with_a_400_and_writes_nothing(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stratus.shop.analytics.handlers import export as handler

    monkeypatch.setenv("DAILY_TABLE_NAME", "analytics-daily")
    monkeypatch.setenv("EXPORT_BUCKET_NAME", BUCKET)
    handler._exporter.cache_clear()
    try:
        answer = handler.export_handler({"day": "2026-02-30"}, _Context())
        assert answer["status"] == 400 and answer["error"] == "ValidationError"
        assert answer["details"] == {"field": "day"} and "calendar date" in answer["message"]
        assert "Contents" not in cloud.s3.list_objects_v2(Bucket=BUCKET)
        assert handler.export_handler({"day": "2026-11-02"}, _Context()) == {
            "key": "exports/2026-11-02.json", "changed": True}
    finally:
        handler._exporter.cache_clear()


class _Context:
    function_name = "export"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:export"
    aws_request_id = "r-1"
