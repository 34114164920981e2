"""`POST /events/page-views` through the resolver, with a recording stream writer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from stratus.shop.analytics.api import build_page_view_app


class Recorder:
    def __init__(self) -> None:
        self.records: list[tuple[dict[str, Any], str]] = []

    def put(self, record: dict[str, Any], partition_key: str) -> str:
        self.records.append((record, partition_key))
        return str(len(self.records))


def _post(recorder: Recorder, body: str | None, content_type: str = "application/json") -> Any:
    app = build_page_view_app(lambda: recorder)
    headers = {"Content-Type": content_type}
    event = {
        "resource": "/events/page-views", "path": "/events/page-views", "httpMethod": "POST",
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": None, "stageVariables": None,
        "requestContext": {"requestId": "r-1", "stage": "dev", "httpMethod": "POST",
                           "resourcePath": "/events/page-views", "path": "/dev/events/page-views",
                           "identity": {"sourceIp": "127.0.0.1"}},
        "body": body, "isBase64Encoded": False,
    }
    answer = app.resolve(event, None)  # type: ignore[arg-type]
    return answer["statusCode"], json.loads(answer["body"])


def test_a_page_view_is_accepted_and_written_keyed_by_product() -> None:
    recorder = Recorder()
    status, body = _post(recorder, json.dumps({"productId": "p-a", "path": "/p/p-a"}))
    assert (status, body["accepted"]) == (202, True)
    ((record, key),) = recorder.records
    assert key == "p-a"
    assert record["type"] == "PageView" and record["path"] == "/p/p-a" and record["at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{}", "productId"),
        ('{"productId": "p a"}', "productId"),
        ('{"productId": "p-a", "extra": 1}', "extra"),
        ('{"productId": 7}', "productId"),
        ('{"productId": "../../etc/passwd"}', "productId"),
        ('{"productId": "p-a", "path": "/p\\r\\nX: y"}', "path"),
        ('{"productId": "p-a", "eventId": "../../x"}', "eventId"),
        ('{"type": "OrderPlaced", "productId": "p-a"}', "type"),
        ('{"productId": "p-a", "at": "2020-01-01T00:00:00Z"}', "at"),
        ('{"productId": "p-a"', "body"),
        ("null", "body"),
    ],
)
def test_bad_bodies_are_400_naming_the_field_and_write_nothing(body: str, field: str) -> None:
    recorder = Recorder()
    status, answer = _post(recorder, body)
    assert status == 400, answer
    assert answer["details"]["field"] == field, answer
    assert recorder.records == []


def test_a_client_event_id_goes_on_the_stream_and_the_time_is_the_servers() -> None:
    recorder = Recorder()
    status, _ = _post(recorder, json.dumps({"productId": "p-a", "eventId": "e-12345678"}))
    ((record, _),) = recorder.records
    assert status == 202 and record["eventId"] == "e-12345678"
    assert record["at"].startswith(datetime.now(UTC).strftime("%Y-%m-%d"))


def test_an_oversized_body_is_413_and_writes_nothing() -> None:
    recorder = Recorder()
    status, answer = _post(recorder, json.dumps({"productId": "p-a", "path": "/" + "x" * 4096}))
    assert status == 413, answer
    assert recorder.records == []


def test_a_non_json_body_is_415() -> None:
    status, _ = _post(Recorder(), "productId=p-a", "application/x-www-form-urlencoded")
    assert status == 415
