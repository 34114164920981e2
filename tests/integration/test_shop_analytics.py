"""Analytics through the running cloud (`stratus up --system shop`).

`OrderPlaced` events put on the shop's bus (the orders outbox's shape) reach the clickstream
through the rule, payments (running too) declines a total ending in .13 and its
`PaymentResults` message is forwarded to the stream, page views come through the public
route; the consumer counts them per product, in order per shard. A malformed record goes to
the on-failure queue and the shard moves on; its retried batch does not count twice. Firing
the daily export rule writes `exports/<day>.json`, whose S3 event writes the report.
"""

from __future__ import annotations

import json
import secrets
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.conftest import LocalCloudHandle, start_local_cloud, stop_local_cloud
from tests.integration.conftest import aws_client

pytestmark = pytest.mark.integration

TIMEOUT = 60.0
T = TypeVar("T")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloudHandle]:
    state: Path = tmp_path_factory.mktemp("shop-analytics-cloud")
    proc, handle = start_local_cloud(state, extra_args=["--system", "shop"])
    try:
        yield handle
    finally:
        stop_local_cloud(proc)


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


def order_detail(*lines: tuple[str, int, str]) -> dict[str, Any]:
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
        "placedAt": "2026-11-30T13:00:00Z",
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


def test_a_malformed_record_goes_to_the_failure_queue_without_blocking_the_shard(
    cloud: LocalCloudHandle,
) -> None:
    a = product()
    kinesis = aws_client(cloud, "kinesis")
    stream = str(cloud.stack_output("ClickstreamName"))
    view = json.dumps({"type": "PageView", "productId": a, "at": "t"}).encode()
    # One batch: the bad record first, a good one after it on the same shard. The good one is
    # counted in the first call and sent again with every retry of the bad one.
    answer = kinesis.put_records(
        StreamName=stream,
        Records=[{"Data": b"{not json", "PartitionKey": a}, {"Data": view, "PartitionKey": a}],
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


def test_the_daily_export_writes_an_export_and_a_report(
    cloud: LocalCloudHandle, api: httpx.Client
) -> None:
    a = product()
    assert api.post("events/page-views", json={"productId": a}).status_code == 202
    place(cloud, order_detail((a, 1, "7.00")))
    wait_for("counters", lambda: counters(cloud, a).get("orders") == 1
             and counters(cloud, a).get("pageViews") == 1)
    rule = str(cloud.stack_output("AnalyticsExportRuleName"))
    fired = httpx.post(f"{cloud.aws_endpoint}/_stratus/events/rules/{rule}/fire", json={},
                       timeout=30)
    assert fired.status_code == 200, fired.text
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    s3 = aws_client(cloud, "s3")
    bucket = str(cloud.stack_output("AnalyticsExportBucketName"))

    def body(key: str) -> bytes | None:
        try:
            return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None

    export = json.loads(wait_for("the export", lambda: body(f"exports/{day}.json")))
    mine = next(p for p in export["products"] if p["productId"] == a)
    assert (mine["orders"], mine["pageViews"], Decimal(mine["revenue"])) == (1, 1, 7)
    report = wait_for("the report", lambda: body(f"reports/{day}.html")).decode()
    assert f"<h1>Shop report {day}</h1>" in report
    assert f"<td>{a}</td>" in report
