"""The outbox: an order's stream record becomes one `OrderPlaced` on a (moto) bus; status
changes publish nothing; a refused put is reported for retry, never dropped."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from orders_harness import ALICE, FakeLambdaContext

from stratus.shop.orders.domain import OrderLine, OrderStatus
from stratus.shop.orders.events import ORDER_PLACED, SOURCE, MalformedOrderRecordError
from stratus.shop.orders.outbox import Outbox

BUS = "stratus-shop-test"


def _stream_records(cloud: Any) -> list[dict[str, Any]]:
    """The table's items as the INSERT records a NEW_IMAGE stream delivers for them.

    moto's DynamoDB Streams API cannot be reached under mock_aws (its URL pattern for
    DynamoDB also claims streams.dynamodb...), so the records are built in the documented
    shape: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Record.html
    """
    items = cloud.dynamodb.scan(TableName="orders")["Items"]
    return [{"eventID": str(n), "eventName": "INSERT", "eventSource": "aws:dynamodb",
             "awsRegion": "us-east-1",
             "dynamodb": {"Keys": {"pk": item["pk"], "sk": item["sk"]}, "NewImage": item,
                          "SequenceNumber": f"{n:021d}", "StreamViewType": "NEW_IMAGE"}}
            for n, item in enumerate(items, start=100)]


@pytest.fixture
def bus_queue(cloud: Any) -> str:
    """A bus with a rule sending every orders event to an SQS queue we can read."""
    names = {b["Name"] for b in cloud.events.list_event_buses()["EventBuses"]}
    if BUS not in names:
        cloud.events.create_event_bus(Name=BUS)
    url = cloud.sqs.create_queue(QueueName="seen")["QueueUrl"]
    cloud.sqs.purge_queue(QueueUrl=url)
    arn = cloud.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    cloud.events.put_rule(Name="all-orders", EventBusName=BUS,
                          EventPattern=json.dumps({"source": [SOURCE]}))
    cloud.events.put_targets(Rule="all-orders", EventBusName=BUS,
                             Targets=[{"Id": "q", "Arn": arn}])
    return str(url)


def _received(cloud: Any, url: str) -> list[dict[str, Any]]:
    messages = cloud.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
        "Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_placed_order_reaches_the_bus_once(cloud: Any, store: Any, bus_queue: str) -> None:
    line = OrderLine(product_id="tee", quantity=2, unit_price="4.13", line_total="8.26")
    order = store.place(ALICE, "alice@example.com", [line], Decimal("8.26"))
    (insert,) = _stream_records(cloud)
    store.transition(ALICE, order.id, OrderStatus.PAID)
    (paid,) = _stream_records(cloud)
    modify = {**paid, "eventName": "MODIFY"}  # a status change: no event
    outbox = Outbox(cloud.events, BUS)
    assert [outbox.publish(r) for r in (insert, modify)] == [True, False]
    (event,) = _received(cloud, bus_queue)
    assert event["source"] == SOURCE and event["detail-type"] == ORDER_PLACED
    assert event["detail"] == {
        "orderId": order.id, "customerId": ALICE, "email": "alice@example.com",
        "total": "8.26", "placedAt": order.created_at,
        "items": [{"productId": "tee", "quantity": 2, "unitPrice": "4.13",
                   "lineTotal": "8.26"}],
    }


class _RefusingBus:
    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]}


def test_failed_put_is_a_batch_item_failure(cloud: Any, store: Any, monkeypatch: Any) -> None:
    from stratus.shop.orders.handlers import outbox as handler

    line = OrderLine(product_id="pen", quantity=1, unit_price="0.99", line_total="0.99")
    store.place(ALICE, None, [line], Decimal("0.99"))
    records = _stream_records(cloud)
    monkeypatch.setattr(handler, "outbox", lambda: Outbox(_RefusingBus(), BUS))
    event = {"Records": [{**r, "eventSourceARN": cloud.stream_arn} for r in records]}
    result = handler.lambda_handler(event, FakeLambdaContext())
    sequence = records[0]["dynamodb"]["SequenceNumber"]
    assert result == {"batchItemFailures": [{"itemIdentifier": sequence}]}


def test_an_insert_that_is_not_an_order_is_refused(cloud: Any) -> None:
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {"pk": {"S": "x"}}}}
    with pytest.raises(MalformedOrderRecordError):
        Outbox(cloud.events, BUS).publish(record)
    with pytest.raises(MalformedOrderRecordError):
        Outbox(cloud.events, BUS).publish({"eventName": "INSERT", "dynamodb": {}})
