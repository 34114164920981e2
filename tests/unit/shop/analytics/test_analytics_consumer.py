"""The consumer against moto: counters per product, bad records reported, retries counted once."""

from __future__ import annotations

import json

from analytics_harness import Cloud, kinesis_event, order_placed

from stratus.shop.analytics.stream import KinesisWriter, forward_payment_results


def _failures(answer: dict) -> list[str]:
    return [f["itemIdentifier"] for f in answer["batchItemFailures"]]


def test_orders_and_views_reach_the_counters(cloud: Cloud) -> None:
    event = kinesis_event(
        order_placed("o-1", ("p-a", 2, "8.26"), ("p-b", 1, "12.50")),
        {"type": "PageView", "productId": "p-a", "at": "t"},
        {"type": "PageView", "productId": "p-a", "at": "t"},
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
        {"type": "PageView", "productId": "p-a", "at": "t"},
    )
    cloud.consumer.handle_batch(event, None)
    cloud.consumer.handle_batch(event, None)  # Lambda's retry of the same records
    products = cloud.products()
    assert (products["p-a"]["orders"], products["p-a"]["pageViews"]) == (1, 1)
    assert products["p-a"]["revenue"] == "8.26"


def test_a_bad_record_is_reported_and_the_rest_still_counted(cloud: Cloud) -> None:
    event = kinesis_event(
        {"type": "PageView", "productId": "p-a", "at": "t"},
        b"{not json",
        {"type": "PageView", "productId": "p-a", "at": "t"},
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
    assert forward_payment_results(sns_event, KinesisWriter(cloud.kinesis, "clickstream")) == 1
    shard = cloud.kinesis.list_shards(StreamName="clickstream")["Shards"][0]["ShardId"]
    iterator = cloud.kinesis.get_shard_iterator(
        StreamName="clickstream", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    (record,) = cloud.kinesis.get_records(ShardIterator=iterator)["Records"]
    assert record["PartitionKey"] == "o-7"
    assert json.loads(record["Data"]) == {
        "type": "PaymentFailed", "orderId": "o-7", "reason": "declined"
    }


def test_the_counters_table_holds_products_only(cloud: Cloud) -> None:
    cloud.consumer.handle_batch(
        kinesis_event(order_placed("o-1", ("p-a", 1, "1.00")),
                      {"type": "PageView", "productId": "p-b", "at": "t"}),
        None,
    )
    keys = {i["pk"]["S"] for i in cloud.dynamodb.scan(TableName="analytics-counters")["Items"]}
    assert keys == {"PRODUCT#p-a", "PRODUCT#p-b"}
    ledger = {i["pk"]["S"] for i in cloud.dynamodb.scan(TableName="analytics-ledger")["Items"]}
    assert "ORDER#o-1" in ledger and sum(k.startswith("RECORD#") for k in ledger) == 2
