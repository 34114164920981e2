"""The Rules pages over moto: buses with their rules (pattern or schedule, state, targets
with DLQ and retry policy), Scheduler's schedules, one rule's targets; unknown a 404."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.local.console.messaging_rig import console


def test_rules_show_pattern_schedule_and_targets(tmp_path: Path) -> None:
    with console(tmp_path) as (client, aws):
        sqs, events = aws("sqs"), aws("events")
        queue = sqs.create_queue(QueueName="placed")["QueueUrl"]
        dlq = sqs.create_queue(QueueName="placed-dlq")["QueueUrl"]
        arn, dlq_arn = (
            sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            for u in (queue, dlq)
        )
        events.create_event_bus(Name="shop")
        events.put_rule(
            Name="order-placed",
            EventBusName="shop",
            EventPattern=json.dumps({"detail-type": ["<Order Placed>"]}),
        )
        events.put_targets(
            Rule="order-placed",
            EventBusName="shop",
            Targets=[
                {
                    "Id": "q",
                    "Arn": arn,
                    "DeadLetterConfig": {"Arn": dlq_arn},
                    "RetryPolicy": {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 600},
                }
            ],
        )
        events.put_rule(Name="nightly", ScheduleExpression="cron(0 3 * * ? *)")
        aws("scheduler").create_schedule(
            Name="reminder",
            ScheduleExpression="rate(5 minutes)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": arn, "RoleArn": "arn:aws:iam::123456789012:role/s"},
        )
        listed = client.get("/console/rules")
        detail = client.get("/console/rules/shop/order-placed")
        missing = client.get("/console/rules/shop/nope")
        bad = client.get("/console/rules/%2E%2E/x")
    assert listed.status_code == 200
    assert 'href="/console/rules/shop/order-placed"' in listed.text
    assert 'href="/console/rules/default/nightly"' in listed.text
    assert "cron(0 3 * * ? *)" in listed.text
    assert "&lt;Order Placed&gt;" in listed.text
    assert 'href="/console/queues/placed-dlq"' in listed.text
    assert "retries: 4, event age up to 600 s" in listed.text
    assert 'data-schedule="reminder"' in listed.text and "rate(5 minutes)" in listed.text
    assert detail.status_code == 200 and 'href="/console/queues/placed"' in detail.text
    assert (missing.status_code, bad.status_code) == (404, 404)
