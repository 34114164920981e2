"""SQS (JSON and query protocols), SNS, Kinesis and Firehose requests -> IAM checks."""

from __future__ import annotations

import base64

from tests.unit.local.iam.calls import ACCOUNT, arn, check_against_reference, needs_of, query_call

from stratus.local.iam.actions import Need, needs

QUEUE_URL = f"http://localhost:4566/{ACCOUNT}/orders"
QUEUE = arn("sqs", "orders")
TOPIC = arn("sns", "payments")


def _query(path: str, body: str, service: str = "sqs") -> list[Need]:
    call = query_call(path, body, service)
    found = needs(call, account=ACCOUNT)
    for need in found:
        check_against_reference(need)
    return found


def test_sqs_json_protocol_reads_the_queue_url() -> None:
    assert needs_of("sqs", "send_message", QueueUrl=QUEUE_URL, MessageBody="x") == [
        Need("sqs:SendMessage", QUEUE)
    ]
    assert needs_of("sqs", "receive_message", QueueUrl=QUEUE_URL) == [
        Need("sqs:ReceiveMessage", QUEUE)
    ]
    assert needs_of("sqs", "delete_message", QueueUrl=QUEUE_URL, ReceiptHandle="r") == [
        Need("sqs:DeleteMessage", QUEUE)
    ]


def test_sqs_queue_of_another_account_and_region_from_the_url() -> None:
    url = "https://sqs.eu-west-1.amazonaws.com/210987654321/shared"
    assert needs_of("sqs", "get_queue_attributes", QueueUrl=url) == [
        Need("sqs:GetQueueAttributes", "arn:aws:sqs:eu-west-1:210987654321:shared")
    ]


def test_sqs_batches_need_the_single_message_action() -> None:
    send = needs_of(
        "sqs",
        "send_message_batch",
        QueueUrl=QUEUE_URL,
        Entries=[{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}],
    )
    assert send == [Need("sqs:SendMessage", QUEUE)]
    delete = needs_of(
        "sqs",
        "delete_message_batch",
        QueueUrl=QUEUE_URL,
        Entries=[{"Id": "1", "ReceiptHandle": "r"}],
    )
    assert delete == [Need("sqs:DeleteMessage", QUEUE)]
    visibility = needs_of(
        "sqs",
        "change_message_visibility_batch",
        QueueUrl=QUEUE_URL,
        Entries=[{"Id": "1", "ReceiptHandle": "r", "VisibilityTimeout": 5}],
    )
    assert visibility == [Need("sqs:ChangeMessageVisibility", QUEUE)]


def test_sqs_queue_by_name_and_listing() -> None:
    assert needs_of("sqs", "get_queue_url", QueueName="orders") == [Need("sqs:GetQueueUrl", QUEUE)]
    assert needs_of("sqs", "create_queue", QueueName="orders") == [Need("sqs:CreateQueue", QUEUE)]
    assert needs_of("sqs", "list_queues") == [Need("sqs:ListQueues", "*")]


def test_sqs_query_protocol_with_queue_url_parameter() -> None:
    body = f"Action=SendMessage&QueueUrl={QUEUE_URL}&MessageBody=hi&Version=2012-11-05"
    assert _query("/", body) == [Need("sqs:SendMessage", QUEUE)]
    batch = (
        f"Action=DeleteMessageBatch&QueueUrl={QUEUE_URL}"
        "&DeleteMessageBatchRequestEntry.1.Id=a&DeleteMessageBatchRequestEntry.1.ReceiptHandle=r"
    )
    assert _query("/", batch) == [Need("sqs:DeleteMessage", QUEUE)]


def test_sqs_query_protocol_posted_to_the_queue_path() -> None:
    # What API Gateway's SQS integration sends: POST /<account>/<queue> Action=SendMessage.
    body = "Action=SendMessage&MessageBody=hi&Version=2012-11-05"
    assert _query(f"/{ACCOUNT}/orders", body) == [Need("sqs:SendMessage", QUEUE)]
    assert _query("/", "Action=ListQueues") == [Need("sqs:ListQueues", "*")]


def test_sns_publish_to_a_topic_or_to_no_topic() -> None:
    assert needs_of("sns", "publish", TopicArn=TOPIC, Message="m") == [Need("sns:Publish", TOPIC)]
    assert needs_of("sns", "publish", PhoneNumber="+15555550100", Message="m") == [
        Need("sns:Publish", "*")
    ]
    endpoint = arn("sns", "endpoint/GCM/app/0f3b")
    assert needs_of("sns", "publish", TargetArn=endpoint, Message="m") == [Need("sns:Publish", "*")]
    batch = needs_of(
        "sns",
        "publish_batch",
        TopicArn=TOPIC,
        PublishBatchRequestEntries=[{"Id": "1", "Message": "m"}],
    )
    assert batch == [Need("sns:Publish", TOPIC)]


def test_sns_subscribe_carries_protocol_and_endpoint() -> None:
    found = needs_of(
        "sns",
        "subscribe",
        TopicArn=TOPIC,
        Protocol="sqs",
        Endpoint=QUEUE,
        ReturnSubscriptionArn=True,
    )
    assert found == [Need("sns:Subscribe", TOPIC, {"sns:Protocol": "sqs", "sns:Endpoint": QUEUE})]


def test_sns_subscription_calls_act_on_its_topic() -> None:
    subscription = f"{TOPIC}:8a21d249-4329-4871-acc6-7be709c6ea7f"
    assert needs_of("sns", "unsubscribe", SubscriptionArn=subscription) == [
        Need("sns:Unsubscribe", TOPIC)
    ]
    assert needs_of(
        "sns",
        "set_subscription_attributes",
        SubscriptionArn=subscription,
        AttributeName="RawMessageDelivery",
        AttributeValue="true",
    ) == [Need("sns:SetSubscriptionAttributes", TOPIC)]
    assert needs_of("sns", "create_topic", Name="payments") == [Need("sns:CreateTopic", TOPIC)]
    assert needs_of("sns", "list_topics") == [Need("sns:ListTopics", "*")]


def test_kinesis_stream_by_name_or_arn() -> None:
    stream = arn("kinesis", "stream/clicks")
    assert needs_of("kinesis", "put_record", StreamName="clicks", Data=b"x", PartitionKey="k") == [
        Need("kinesis:PutRecord", stream)
    ]
    assert needs_of(
        "kinesis",
        "put_records",
        StreamARN=stream,
        Records=[{"Data": b"x", "PartitionKey": "k"}],
    ) == [Need("kinesis:PutRecords", stream)]
    assert needs_of("kinesis", "list_streams") == [Need("kinesis:ListStreams", "*")]


def test_kinesis_get_records_reads_the_stream_from_the_local_iterator() -> None:
    stream = arn("kinesis", "stream/clicks")
    iterator = base64.encodebytes(b"clicks:shardId-000000000000:0").decode()
    assert needs_of("kinesis", "get_records", ShardIterator=iterator) == [
        Need("kinesis:GetRecords", stream)
    ]
    assert needs_of("kinesis", "get_records", ShardIterator=iterator, StreamARN=stream) == [
        Need("kinesis:GetRecords", stream)
    ]


def test_kinesis_consumers() -> None:
    stream = arn("kinesis", "stream/clicks")
    consumer = f"{stream}/consumer/app:1700000000"
    assert needs_of(
        "kinesis", "subscribe_to_shard", ConsumerARN=consumer, ShardId="shardId-000000000000",
        StartingPosition={"Type": "LATEST"},
    ) == [Need("kinesis:SubscribeToShard", consumer)]  # fmt: skip
    assert needs_of(
        "kinesis", "register_stream_consumer", StreamARN=stream, ConsumerName="app"
    ) == [Need("kinesis:RegisterStreamConsumer", stream)]
    assert needs_of(
        "kinesis", "describe_stream_consumer", StreamARN=stream, ConsumerName="app"
    ) == [Need("kinesis:DescribeStreamConsumer", f"{stream}/consumer/app:*")]


def test_firehose_delivery_stream() -> None:
    delivery = arn("firehose", "deliverystream/events")
    assert needs_of(
        "firehose", "put_record", DeliveryStreamName="events", Record={"Data": b"x"}
    ) == [Need("firehose:PutRecord", delivery)]
    assert needs_of(
        "firehose",
        "put_record_batch",
        DeliveryStreamName="events",
        Records=[{"Data": b"x"}],
    ) == [Need("firehose:PutRecordBatch", delivery)]
    assert needs_of("firehose", "list_delivery_streams") == [
        Need("firehose:ListDeliveryStreams", "*")
    ]


def test_sns_topic_given_as_target_arn_is_the_topic() -> None:
    assert needs_of("sns", "publish", TargetArn=TOPIC, Message="m") == [Need("sns:Publish", TOPIC)]
