"""The Topics pages over moto: each topic with its subscriptions (protocol, endpoint,
filter policy, raw delivery, dead-letter queue); unknown topics a 404 page."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.local.console.messaging_rig import console


def test_topics_list_their_subscriptions(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        sqs, sns = aws("sqs"), aws("sns")
        queue = sqs.create_queue(QueueName="orders-in")["QueueUrl"]
        dlq = sqs.create_queue(QueueName="orders-in-dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
        topic = sns.create_topic(Name="order-events")["TopicArn"]
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=arn["Attributes"]["QueueArn"],
            Attributes={
                "RawMessageDelivery": "true",
                "FilterPolicy": json.dumps({"kind": ["<placed>"]}),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"]}
                ),
            },
        )
        listed = client.get("/console/topics")
        detail = client.get("/console/topics/order-events")
        missing = client.get("/console/topics/nope")
        bad = client.get("/console/topics/%2E%2E")
    for page in (listed, detail):
        assert page.status_code == 200
        assert 'href="/console/queues/orders-in"' in page.text
        assert 'href="/console/queues/orders-in-dlq"' in page.text
        assert "&#34;&lt;placed&gt;&#34;" in page.text  # the filter policy, escaped
        assert "<td>yes</td>" in page.text
    assert 'href="/console/topics/order-events"' in listed.text
    assert "TopicArn" in detail.text
    assert (missing.status_code, bad.status_code) == (404, 404)
