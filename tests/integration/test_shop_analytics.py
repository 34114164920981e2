"""Analytics through the running cloud (`stratus up --system shop`).

`OrderPlaced` events put on the shop's bus (the orders outbox's shape) reach the clickstream
through the rule, payments (running too) declines a total ending in .13 and its
`PaymentResults` message is forwarded to the stream, page views come through the public
route; the consumer counts them per product and per UTC day, in order per shard. Malformed
records go to the on-failure queue and the shard moves on; retries and replays count once.
Firing the daily export rule writes yesterday's `exports/<day>.json`; invoking the export
function with `{"day"}` writes that day's, once; each export's S3 event writes its report.

The page-view route is public by design (anonymous shoppers' browsers post it, see
`PUBLIC_REASON` in the stack): there is no token to check, so what guards it is tested here
instead: its body limits, strict validation, the gateway refusing other routes, and replays
counted once. Its own throttle (50/s, burst 100) is checked where it can be without racing a
2-core machine: tests/infra/test_shop_analytics.py reads it back through the local
gateway's configuration with a fake clock (a burst through the running cloud never reached
50 requests/s there: 300 clients on open connections got 300 answers in 21 s).
"""

from __future__ import annotations

import json
import re
import secrets
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest

from tests.conftest import LocalCloudHandle
from tests.integration.conftest import SHOP, aws_client

pytestmark = [pytest.mark.integration, SHOP]

TIMEOUT = 60.0
DAY_KEY = re.compile(r"^exports/\d{4}-\d{2}-\d{2}\.json$")
T = TypeVar("T")


@pytest.fixture(scope="module")
def cloud(shop_cloud: LocalCloudHandle) -> LocalCloudHandle:
    return shop_cloud


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = TIMEOUT) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def counters(cloud: LocalCloudHandle, product: str) -> dict[str, Any]:
    item = aws_client(cloud, "dynamodb").get_item(
        TableName=str(cloud.stack_output("AnalyticsCountersTableName")),
        Key={"pk": {"S": f"PRODUCT#{product}"}},
        ConsistentRead=True,
    ).get("Item") or {}
    # Numbers compared as decimals: DynamoDB may store "2" where the code sent "2.00".
    return {k: Decimal(v["N"]) if "N" in v else v["S"] for k, v in item.items() if k != "pk"}


def product() -> str:
    return f"p-{secrets.token_hex(4)}"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def order_detail(*lines: tuple[str, int, str], placed: str = "") -> dict[str, Any]:
    order_id = f"o-{secrets.token_hex(6)}"
    total = sum(float(t) for _, _, t in lines)
    return {
        "orderId": order_id,
        "customerId": f"c-{secrets.token_hex(4)}",
        "email": f"{order_id}@example.com",
        "total": f"{total:.2f}",
        "items": [
            {"productId": p, "quantity": q, "unitPrice": t, "lineTotal": t} for p, q, t in lines
        ],
        "placedAt": placed or now(),
    }


def place(cloud: LocalCloudHandle, detail: dict[str, Any]) -> None:
    answer = aws_client(cloud, "events").put_events(
        Entries=[
            {
                "Source": "stratus.shop.orders",
                "DetailType": "OrderPlaced",
                "Detail": json.dumps(detail),
                "EventBusName": str(cloud.stack_output("EventBusName")),
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0, answer


@pytest.fixture(scope="module")
def api(cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    verify = ssl.create_default_context(cafile=str(cloud.ca_pem))
    with httpx.Client(
        base_url=str(cloud.stack_output("AnalyticsApiUrl")), verify=verify, timeout=30
    ) as client:
        yield client


def failures(cloud: LocalCloudHandle) -> list[dict[str, Any]]:
    sqs = aws_client(cloud, "sqs")
    url = str(cloud.stack_output("ClickstreamFailuresQueueUrl"))
    seen = []
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        seen.append(json.loads(message["Body"]))
    return seen


def test_orders_payments_and_page_views_reach_the_counters(
    cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    a, b = product(), product()
    for _ in range(3):
        answer = api.post("events/page-views", json={"productId": a, "path": f"/p/{a}"})
        assert answer.status_code == 202, answer.text
    place(cloud, order_detail((a, 2, "8.00"), (b, 1, "2.00")))
    declined = order_detail((a, 1, "4.13"))  # payments' stub declines a total ending in .13
    place(cloud, declined)
    want = {"orders": 2, "units": 3, "revenue": Decimal("12.13"), "paymentsFailed": 1,
            "pageViews": 3}
    got = wait_for(
        f"counters of {a}",
        lambda: (lambda c: c if all(c.get(k) == v for k, v in want.items()) else None)(
            counters(cloud, a)
        ),
        timeout=90,
    )
    assert got["productId"] == a
    assert counters(cloud, b)["revenue"] == 2
    assert counters(cloud, b).get("paymentsFailed") is None  # only the declined order's


def test_bad_page_views_are_a_clear_400(api: httpx.Client) -> None:
    for body in ({}, {"productId": "no spaces"}, {"productId": "p-1", "extra": True}):
        answer = api.post("events/page-views", json=body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "ValidationError"
    answer = api.post("events/page-views", content=b"{oops",
                      headers={"Content-Type": "application/json"})
    assert answer.status_code == 400


def test_records_are_counted_in_order_per_shard(cloud: LocalCloudHandle) -> None:
    """A failed payment is counted only if its order was counted first (same partition key,
    so the same shard): written back to back, both land."""
    a = product()
    detail = order_detail((a, 1, "5.00"))
    kinesis = aws_client(cloud, "kinesis")
    stream = str(cloud.stack_output("ClickstreamName"))
    event = {"source": "stratus.shop.orders", "detail-type": "OrderPlaced", "detail": detail}
    for record in (event, {"type": "PaymentFailed", "orderId": detail["orderId"]}):
        kinesis.put_record(StreamName=stream, Data=json.dumps(record).encode(),
                           PartitionKey=detail["orderId"])
    wait_for("the failed payment", lambda: counters(cloud, a).get("paymentsFailed") == 1)
    assert counters(cloud, a)["orders"] == 1


@pytest.mark.parametrize(
    "bad",
    [
        b"{not json",
        b"\xff\xfe not UTF-8",
        b'{"type": "Refund", "orderId": "o-1"}',  # a kind nobody produces
        b'{"type": "PageView", "productId": "../../etc", "at": "2026-11-30T00:00:00Z"}',
        b'{"type": "PageView", "productId": "p-1", "at": "yesterday"}',
    ],
)
def test_a_malformed_record_goes_to_the_failure_queue_without_blocking_the_shard(
    cloud: LocalCloudHandle, bad: bytes
) -> None:
    a = product()
    kinesis = aws_client(cloud, "kinesis")
    stream = str(cloud.stack_output("ClickstreamName"))
    view = json.dumps({"type": "PageView", "productId": a, "at": now()}).encode()
    # One batch: the bad record first, a good one after it on the same shard. The good one is
    # counted in the first call and sent again with every retry of the bad one.
    answer = kinesis.put_records(
        StreamName=stream,
        Records=[{"Data": bad, "PartitionKey": a}, {"Data": view, "PartitionKey": a}],
    )
    assert answer["FailedRecordCount"] == 0
    bad_sequence = answer["Records"][0]["SequenceNumber"]
    found = wait_for(
        "the on-failure record",
        lambda: [
            f for f in failures(cloud)
            if (f.get("KinesisBatchInfo") or {}).get("startSequenceNumber") == bad_sequence
        ],
    )
    info = found[0]
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["KinesisBatchInfo"]["streamArn"].endswith(f"/{stream}")
    # The shard moved on (a later record is counted) and the retries added nothing.
    kinesis.put_record(StreamName=stream, Data=view, PartitionKey=a)
    wait_for("the later page view", lambda: counters(cloud, a).get("pageViews") == 2)
    time.sleep(1.5)
    assert counters(cloud, a)["pageViews"] == 2


def export_body(cloud: LocalCloudHandle, key: str) -> bytes | None:
    s3 = aws_client(cloud, "s3")
    try:
        return bytes(
            s3.get_object(Bucket=str(cloud.stack_output("AnalyticsExportBucketName")), Key=key)[
                "Body"
            ].read()
        )
    except s3.exceptions.NoSuchKey:
        return None


def versions(cloud: LocalCloudHandle, key: str) -> int:
    listed = aws_client(cloud, "s3").list_object_versions(
        Bucket=str(cloud.stack_output("AnalyticsExportBucketName")), Prefix=key
    )
    return len([v for v in listed.get("Versions", []) if v["Key"] == key])


def export(cloud: LocalCloudHandle, event: Any) -> dict[str, Any]:
    """Invoke the export function's live alias, as an operator would."""
    answer = aws_client(cloud, "lambda").invoke(
        FunctionName=str(cloud.stack_output("AnalyticsExportFunctionArn")),
        Payload=json.dumps(event).encode(),
    )
    assert "FunctionError" not in answer, answer
    return dict(json.loads(answer["Payload"].read()))


def test_the_daily_schedule_exports_yesterday_and_its_report_follows(
    cloud: LocalCloudHandle,
) -> None:
    rule = str(cloud.stack_output("AnalyticsExportRuleName"))
    fired = httpx.post(f"{cloud.aws_endpoint}/_stratus/events/rules/{rule}/fire", json={},
                       timeout=30)
    assert fired.status_code == 200, fired.text
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    body = wait_for("the export", lambda: export_body(cloud, f"exports/{yesterday}.json"))
    document = json.loads(body)
    assert document["date"] == yesterday and isinstance(document["products"], list)
    report = wait_for("the report", lambda: export_body(cloud, f"reports/{yesterday}.html"))
    assert f"<h1>Shop report {yesterday}</h1>" in report.decode()


def test_each_day_exports_its_own_figures_once_and_an_empty_day_is_valid(
    cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    """Two days of events (orders through the bus, views on the stream: both carry their
    own time) give two exports with each day's numbers; a re-run adds no version."""
    first = date(2020, 1, 1) + timedelta(days=secrets.randbelow(1500))
    second, empty = first + timedelta(days=1), first - timedelta(days=1)
    a, b = product(), product()
    place(cloud, order_detail((a, 2, "8.00"), placed=f"{first}T23:59:00Z"))
    place(cloud, order_detail((a, 1, "4.00"), (b, 3, "9.00"), placed=f"{second}T00:01:00Z"))
    kinesis, stream = aws_client(cloud, "kinesis"), str(cloud.stack_output("ClickstreamName"))
    for at in (f"{first}T10:00:00Z", f"{second}T10:00:00Z", f"{second}T11:00:00Z"):
        record = {"type": "PageView", "productId": a, "at": at}
        kinesis.put_record(StreamName=stream, Data=json.dumps(record).encode(), PartitionKey=a)
    wait_for("all counted", lambda: counters(cloud, a).get("orders") == 2
             and counters(cloud, a).get("pageViews") == 3 and counters(cloud, b).get("orders"))

    days = {}
    for day in (first, second, empty):
        answer = export(cloud, {"day": day.isoformat()})
        assert answer == {"key": f"exports/{day}.json", "changed": True}, answer
        days[day] = json.loads(export_body(cloud, answer["key"]) or b"null")
    mine = {
        day: {p["productId"]: p for p in doc["products"] if p["productId"] in (a, b)}
        for day, doc in days.items()
    }
    assert mine[first] == {a: {"productId": a, "orders": 1, "units": 2, "revenue": "8.00",
                               "paymentsFailed": 0, "pageViews": 1}}
    assert (mine[second][a]["orders"], mine[second][a]["units"], mine[second][a]["pageViews"]) \
        == (1, 1, 2)
    assert (mine[second][b]["units"], mine[second][b]["revenue"]) == (3, "9.00")
    assert days[empty] == {"date": empty.isoformat(), "products": []}
    for day in (first, second, empty):
        page = wait_for(f"the report of {day}", lambda d=day: export_body(  # type: ignore[misc]
            cloud, f"reports/{d}.html")).decode()
        assert f"<h1>Shop report {day}</h1>" in page
    assert "0 products; 0 orders" in (export_body(cloud, f"reports/{empty}.html") or b"").decode()

    again = export(cloud, {"day": first.isoformat()})
    assert again == {"key": f"exports/{first}.json", "changed": False}
    time.sleep(1.0)  # a second report would be written by now
    assert versions(cloud, f"exports/{first}.json") == 1
    assert versions(cloud, f"reports/{first}.html") == 1


@pytest.mark.parametrize(
    "event",
    [{"day": "2026-02-30"}, {"day": "../../reports/x"}, {"day": "2999-01-01"},
     {"day": "2026-11-01", "bucket": "other"}, {"days": 1}, ["2026-11-01"]],
)
def test_a_bad_export_request_is_a_clear_400_and_writes_nothing(
    cloud: LocalCloudHandle, event: Any
) -> None:
    answer = export(cloud, event)
    assert answer["status"] == 400 and answer["error"] == "ValidationError", answer
    assert "Traceback" not in json.dumps(answer) and answer["message"]
    listed = aws_client(cloud, "s3").list_objects_v2(
        Bucket=str(cloud.stack_output("AnalyticsExportBucketName")), Prefix="exports/"
    )
    assert all(DAY_KEY.match(o["Key"]) for o in listed.get("Contents", []))


# -- the public page-view route: what a client must never get past ------------------------
def post_raw(api: httpx.Client, body: bytes, content_type: str = "application/json") -> Any:
    return api.post("events/page-views", content=body, headers={"Content-Type": content_type})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"productId": 7}', "productId"),
        (b'{"productId": ["p-1"]}', "productId"),
        (b'{"productId": "p-1", "path": 5}', "path"),
        (b'{"productId": "../../etc/passwd"}', "productId"),
        (b'{"productId": "p-1", "path": "/x\\r\\nSet-Cookie: a=b"}', "path"),
        (b'{"productId": "p-1", "eventId": "../../../x"}', "eventId"),
        (b'{"type": "OrderPlaced", "productId": "p-1", "orderId": "o-1"}', "type"),
        (b'{"productId": "p-1", "at": "2001-01-01T00:00:00Z"}', "at"),
        (b'{"productId": "p-\xff\xfe"}', "productId"),  # not UTF-8
        (b"\xff\xfe\x00{", "body"),
        (b"[1, 2]", "body"),
        (b'{"productId": "p-1"', "body"),
    ],
)
def test_bad_page_views_are_400_naming_the_field(api: httpx.Client, body: bytes,
                                                field: str) -> None:
    answer = post_raw(api, body)
    assert answer.status_code == 400, (body, answer.status_code, answer.text)
    assert answer.json()["error"] == "ValidationError"
    assert answer.json()["details"]["field"] == field, answer.text


def test_oversized_and_non_json_page_views_are_refused(api: httpx.Client) -> None:
    big = json.dumps({"productId": "p-1", "path": "/" + "x" * 4000}).encode()
    assert post_raw(api, big).status_code == 413
    huge = post_raw(api, b"{" + b" " * (10 * 1024 * 1024 + 1) + b"}")
    assert huge.status_code == 413  # API Gateway's own 10 MB limit, before the function
    assert post_raw(api, b"productId=p-1", "application/x-www-form-urlencoded").status_code == 415


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "events/orders"), ("POST", "events/page-views/..%2F..%2Forders"),
     ("POST", "events/%2e%2e/page-views"), ("GET", "events/page-views"),
     ("DELETE", "events/page-views")],
)
def test_other_routes_and_traversal_are_refused_by_the_gateway(
    api: httpx.Client, method: str, path: str
) -> None:
    answer = api.request(method, path, content=b'{"productId": "p-1"}',
                         headers={"Content-Type": "application/json"})
    assert answer.status_code in (403, 404), (path, answer.status_code, answer.text)


def test_a_replayed_page_view_is_counted_once(api: httpx.Client, cloud: LocalCloudHandle) -> None:
    a = product()
    body = {"productId": a, "eventId": secrets.token_hex(16)}
    for _ in range(3):  # a browser retrying after a lost answer
        assert api.post("events/page-views", json=body).status_code == 202
    # A view without an id after them, on the same shard: once it is counted, so are they.
    assert api.post("events/page-views", json={"productId": a}).status_code == 202
    wait_for("the views", lambda: counters(cloud, a).get("pageViews") == 2)
    time.sleep(1.0)
    assert counters(cloud, a)["pageViews"] == 2
