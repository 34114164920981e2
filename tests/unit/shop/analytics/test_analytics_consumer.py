"""The consumer against moto: counters per product, bad records reported, retries counted once."""

from __future__ import annotations

import json

import pytest
from analytics_harness import DAY, Cloud, kinesis_event, order_placed, view

from stratus.shop.analytics.domain import BadRecordError
from stratus.shop.analytics.stream import KinesisWriter, forward_payment_results


def _failures(answer: dict) -> list[str]:
    return [f["itemIdentifier"] for f in answer["batchItemFailures"]]


def test_orders_and_views_reach_the_counters(cloud: Cloud) -> None:
    event = kinesis_event(
        order_placed("o-1", ("p-a", 2, "8.26"), ("p-b", 1, "12.50")),
        view("p-a"),
        view("p-a"),
        order_placed("o-2", ("p-a", 1, "4.13")),
    )
    assert cloud.consumer.handle_batch(event, None) == {"batchItemFailures": []}
    products = cloud.products()
    assert products["p-a"] == {
        "productId": "p-a", "orders": 2, "units": 3, "revenue": "12.39",
        "paymentsFailed": 0, "pageViews": 2,
    }
    assert products["p-b"]["revenue"] == "12.50" and products["p-b"]["pageViews"] == 0
    raw = cloud.dynamodb.get_item(TableName="analytics-counters", Key={"pk": {"S": "PRODUCT#p-a"}})
    assert (raw["Item"]["orders"], raw["Item"]["revenue"]) == ({"N": "2"}, {"N": "12.39"})


def test_a_retried_batch_does_not_double_count(cloud: Cloud) -> None:
    event = kinesis_event(
        order_placed("o-1", ("p-a", 2, "8.26")),
        view("p-a"),
    )
    cloud.consumer.handle_batch(event, None)
    cloud.consumer.handle_batch(event, None)  # Lambda's retry of the same records
    products = cloud.products()
    assert (products["p-a"]["orders"], products["p-a"]["pageViews"]) == (1, 1)
    assert products["p-a"]["revenue"] == "8.26"


def test_a_bad_record_is_reported_and_the_rest_still_counted(cloud: Cloud) -> None:
    event = kinesis_event(
        view("p-a"),
        b"{not json",
        view("p-a"),
    )
    answer = cloud.consumer.handle_batch(event, None)
    bad = event["Records"][1]["kinesis"]["sequenceNumber"]
    assert _failures(answer) == [bad]
    assert cloud.products()["p-a"]["pageViews"] == 2
    # Lambda retries from the bad record on: the good one after it is not counted again.
    retry = {"Records": event["Records"][1:]}
    assert _failures(cloud.consumer.handle_batch(retry, None)) == [bad]
    assert cloud.products()["p-a"]["pageViews"] == 2


def test_a_failed_payment_counts_for_each_product_of_its_order(cloud: Cloud) -> None:
    cloud.consumer.handle_batch(
        kinesis_event(
            order_placed("o-7", ("p-a", 1, "4.13"), ("p-b", 3, "3.00")),
            {"type": "PaymentFailed", "orderId": "o-7"},
            {"type": "PaymentFailed", "orderId": "o-unknown"},
        ),
        None,
    )
    products = cloud.products()
    assert products["p-a"]["paymentsFailed"] == 1 and products["p-b"]["paymentsFailed"] == 1
    assert set(products) == {"p-a", "p-b"}  # an unknown order's failure is counted nowhere


def test_forwarder_puts_failed_payments_on_the_stream_keyed_by_order(cloud: Cloud) -> None:
    sns_event = {
        "Records": [
            {"Sns": {"Message": json.dumps({"orderId": "o-7", "outcome": "failed",
                                            "reason": "declined"})}},
            {"Sns": {"Message": json.dumps({"orderId": "o-8", "outcome": "succeeded"})}},
        ]
    }
    writer = KinesisWriter(cloud.kinesis, "clickstream")
    assert forward_payment_results(sns_event, writer, lambda: f"{DAY}T09:00:00Z") == 1
    shard = cloud.kinesis.list_shards(StreamName="clickstream")["Shards"][0]["ShardId"]
    iterator = cloud.kinesis.get_shard_iterator(
        StreamName="clickstream", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    (record,) = cloud.kinesis.get_records(ShardIterator=iterator)["Records"]
    assert record["PartitionKey"] == "o-7"
    assert json.loads(record["Data"]) == {
        "type": "PaymentFailed", "orderId": "o-7", "reason": "declined", "at": f"{DAY}T09:00:00Z"
    }


def test_the_counters_table_holds_products_only(cloud: Cloud) -> None:
    cloud.consumer.handle_batch(
        kinesis_event(order_placed("o-1", ("p-a", 1, "1.00")),
                      view("p-b")),
        None,
    )
    keys = {i["pk"]["S"] for i in cloud.dynamodb.scan(TableName="analytics-counters")["Items"]}
    assert keys == {"PRODUCT#p-a", "PRODUCT#p-b"}
    ledger = {i["pk"]["S"] for i in cloud.dynamodb.scan(TableName="analytics-ledger")["Items"]}
    # The order is claimed by its id; a view without a client's event id by its record's.
    assert "ORDER#o-1" in ledger and sum(k.startswith("RECORD#") for k in ledger) == 1


def test_counters_are_kept_per_utc_day_beside_the_all_time_totals(cloud: Cloud) -> None:
    cloud.consumer.handle_batch(
        kinesis_event(
            order_placed("o-1", ("p-a", 2, "8.00"), placed="2026-11-29T23:59:59Z"),
            order_placed("o-2", ("p-a", 1, "4.00"), placed="2026-11-30T01:00:00+02:00"),
            view("p-a", at="2026-11-30T00:00:00Z"),
            order_placed("o-3", ("p-b", 1, "1.00"), placed="2026-11-30T12:00:00Z"),
        ),
        None,
    )
    # 01:00 at +02:00 is 23:00 UTC the day before.
    day1, day2 = cloud.on("2026-11-29"), cloud.on("2026-11-30")
    assert (day1["p-a"]["orders"], day1["p-a"]["units"], day1["p-a"]["revenue"]) == (2, 3, "12.00")
    assert day1["p-a"]["pageViews"] == 0 and "p-b" not in day1
    assert (day2["p-a"]["orders"], day2["p-a"]["pageViews"]) == (0, 1)
    assert day2["p-b"]["revenue"] == "1.00"
    assert cloud.products()["p-a"]["orders"] == 2 and cloud.products()["p-a"]["pageViews"] == 1
    assert cloud.on("2026-12-01") == {}


def test_a_record_without_a_time_counts_on_its_arrival_day(cloud: Cloud) -> None:
    event = kinesis_event({"type": "PageView", "productId": "p-a"})
    arrived = 1_796_083_199.9  # 2026-11-30T23:59:59.9Z
    event["Records"][0]["kinesis"]["approximateArrivalTimestamp"] = arrived
    cloud.consumer.handle_batch(event, None)
    assert cloud.on("2026-11-30")["p-a"]["pageViews"] == 1


def test_the_same_order_from_two_records_is_counted_once(cloud: Cloud) -> None:
    """EventBridge delivers at least once: the rule may put one OrderPlaced on the stream
    twice, as two records with two sequence numbers."""
    placed = order_placed("o-1", ("p-a", 2, "8.00"))
    answer = cloud.consumer.handle_batch(kinesis_event(placed, placed), None)
    assert answer == {"batchItemFailures": []}
    assert cloud.consumer.handle_batch(kinesis_event(placed, first=7), None) == {
        "batchItemFailures": []
    }
    assert cloud.products()["p-a"]["orders"] == 1 and cloud.on(DAY)["p-a"]["units"] == 2


def test_a_failed_payment_forwarded_twice_counts_once(cloud: Cloud) -> None:
    failed = {"type": "PaymentFailed", "orderId": "o-7", "at": f"{DAY}T11:00:00Z"}
    cloud.consumer.handle_batch(
        kinesis_event(order_placed("o-7", ("p-a", 1, "4.13")), failed, failed), None
    )
    assert cloud.products()["p-a"]["paymentsFailed"] == 1
    assert cloud.on(DAY)["p-a"]["paymentsFailed"] == 1


def test_a_page_view_replayed_with_its_event_id_counts_once(cloud: Cloud) -> None:
    once = view("p-a", eventId="3f2c0a4e-7d1b-4c8e-9a55-0f6f1d2b7c11")
    other = view("p-a", eventId="9b1e6c2d-0a4f-4e3b-8c7d-5e6f7a8b9c0d")
    cloud.consumer.handle_batch(kinesis_event(once, once, other, view("p-a"), view("p-a")), None)
    assert cloud.on(DAY)["p-a"]["pageViews"] == 4  # two ids once each, two views without


def test_an_order_of_more_products_than_one_transaction_holds_is_counted_whole_once(
    cloud: Cloud,
) -> None:
    """50 products are 100 updates plus the claim: written in two parts. A failure between
    them is retried by Lambda; the retry writes only the missing part."""
    lines = [(f"p-{i:02d}", 1, "1.00") for i in range(50)]
    event = kinesis_event(order_placed("o-big", *lines))
    real = cloud.dynamodb.transact_write_items
    calls: list[int] = []

    def fail_second(**kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise cloud.dynamodb.exceptions.InternalServerError(
                {"Error": {"Code": "InternalServerError", "Message": "boom"}}, "TransactWriteItems"
            )
        return real(**kwargs)

    cloud.dynamodb.transact_write_items = fail_second
    try:
        first = cloud.consumer.handle_batch(event, None)
    finally:
        cloud.dynamodb.transact_write_items = real
    assert len(first["batchItemFailures"]) == 1
    assert len(cloud.on(DAY)) == 49  # the first part only
    assert cloud.consumer.handle_batch(event, None) == {"batchItemFailures": []}
    assert cloud.consumer.handle_batch(event, None) == {"batchItemFailures": []}
    totals = cloud.products()
    assert len(totals) == 50 and all(p["orders"] == 1 for p in totals.values())
    assert {p["orders"] for p in cloud.on(DAY).values()} == {1} and len(cloud.on(DAY)) == 50


@pytest.mark.parametrize(
    "message",
    ["not json", json.dumps({"outcome": "failed"}),
     json.dumps({"outcome": "failed", "orderId": "../../etc/passwd"}),
     json.dumps({"outcome": "failed", "orderId": 7})],
)
def test_the_forwarder_refuses_bad_messages_and_puts_nothing(cloud: Cloud, message: str) -> None:
    """A raise makes SNS's asynchronous invoke retry, then the failures queue (the stack)."""
    writer = KinesisWriter(cloud.kinesis, "clickstream")
    with pytest.raises(BadRecordError):
        forward_payment_results({"Records": [{"Sns": {"Message": message}}]}, writer)
    shard = cloud.kinesis.list_shards(StreamName="clickstream")["Shards"][0]["ShardId"]
    iterator = cloud.kinesis.get_shard_iterator(
        StreamName="clickstream", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    assert cloud.kinesis.get_records(ShardIterator=iterator)["Records"] == []
