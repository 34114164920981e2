"""The payments and notifications stacks as synthesized (dev and prod, the session synth)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stratus.infra.shop.notifications import notifications_stack_name
from stratus.infra.shop.payments import payments_stack_name
from tests.infra.conftest import Synth


def _load(base: Synth, name: str) -> Synth:
    path = base.outdir / f"{name}.template.json"
    return Synth(base.stage, base.outdir, path, json.loads(path.read_text()))


@pytest.fixture(scope="module", params=["dev", "prod"])
def payments(request: pytest.FixtureRequest, synths: dict[str, Synth]) -> Synth:
    return _load(synths[request.param], payments_stack_name(request.param))


@pytest.fixture(scope="module", params=["dev", "prod"])
def notifications(request: pytest.FixtureRequest, synths: dict[str, Synth]) -> Synth:
    return _load(synths[request.param], notifications_stack_name(request.param))


def _statements(stack: Synth, role_fragment: str) -> list[dict[str, Any]]:
    return [
        statement
        for logical, res in stack.of_type("AWS::IAM::Policy").items()
        if role_fragment in logical
        for statement in res["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_rule_sends_order_placed_from_orders_to_the_queue(payments: Synth) -> None:
    rule = payments.one("AWS::Events::Rule")["Properties"]
    assert rule["EventPattern"] == {
        "source": ["stratus.shop.orders"],
        "detail-type": ["OrderPlaced"],
    }
    assert "EventBusName" in rule  # the platform bus, not the default one
    (target,) = rule["Targets"]
    queue_id = next(
        k for k in payments.of_type("AWS::SQS::Queue") if "OrderPlaced" in k and "Dlq" not in k
    )
    assert target["Arn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    dlq_id = next(k for k in payments.of_type("AWS::SQS::Queue") if "OrderPlacedDlq" in k)
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    policies = [
        s
        for p in payments.of_type("AWS::SQS::QueuePolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert len(policies) == 2  # the queue, and the DLQ for undeliverable events
    assert all("aws:SourceArn" in p["Condition"]["ArnEquals"] for p in policies)


def test_queue_has_a_dlq_after_three_receives_and_a_depth_alarm(payments: Synth) -> None:
    queues = payments.of_type("AWS::SQS::Queue")
    main = next(r for k, r in queues.items() if "OrderPlaced" in k and "Dlq" not in k)
    redrive = main["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == 3
    # Six times the function's timeout (Lambda's guidance for SQS event sources).
    fn = next(
        r["Properties"]
        for k, r in payments.of_type("AWS::Lambda::Function").items()
        if k.startswith("ServiceSettle")
    )
    assert main["Properties"]["VisibilityTimeout"] == 6 * fn["Timeout"]
    dlq_alarms = [
        a["Properties"] for k, a in payments.of_type("AWS::CloudWatch::Alarm").items() if "Dlq" in k
    ]
    assert len(dlq_alarms) == 1 and dlq_alarms[0]["Threshold"] == 1


def test_event_source_is_the_live_alias_with_partial_batch_responses(payments: Synth) -> None:
    mapping = payments.one("AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    alias_id = next(iter(payments.of_type("AWS::Lambda::Alias")))
    name = json.dumps(mapping["FunctionName"])  # `<function name>:live`, from the alias
    assert alias_id in name and name.endswith(':live"]]}')


def test_results_topic_is_encrypted_and_exported(payments: Synth) -> None:
    topic = next(
        r["Properties"]
        for k, r in payments.of_type("AWS::SNS::Topic").items()
        if k.startswith("PaymentResults")
    )
    assert json.dumps(topic["KmsMasterKeyId"]).endswith(':alias/aws/sns"]]}')
    assert "PaymentResultsTopicArn" in payments.template["Outputs"]


def test_payments_role_may_publish_results_and_use_only_its_table(payments: Synth) -> None:
    statements = _statements(payments, "ServiceSettleRole")
    publish = [s for s in statements if "sns:Publish" in _actions(s)]
    assert len(publish) == 1 and publish[0]["Resource"] == {
        "Ref": next(
            k for k in payments.of_type("AWS::SNS::Topic") if k.startswith("PaymentResults")
        )
    }
    table_id = next(iter(payments.of_type("AWS::DynamoDB::Table")))
    dynamo = [s for s in statements if any(a.startswith("dynamodb:") for a in _actions(s))]
    assert dynamo and all(
        {"Fn::GetAtt": [table_id, "Arn"]}
        in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
        for s in dynamo
    )
    assert not any(s["Resource"] == "*" for s in statements if "xray" not in str(s["Action"]))


def test_idempotency_table_has_powertools_layout_and_ttl(payments: Synth) -> None:
    table = payments.one("AWS::DynamoDB::Table")["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_stub_decline_suffix_is_set_on_the_function(payments: Synth) -> None:
    fn = next(
        r["Properties"]
        for k, r in payments.of_type("AWS::Lambda::Function").items()
        if k.startswith("ServiceSettle")
    )
    assert fn["Environment"]["Variables"]["PAYMENT_STUB_DECLINE_SUFFIX"] == ".13"


def test_notifications_subscribe_raw_with_an_event_type_filter(notifications: Synth) -> None:
    sub = notifications.one("AWS::SNS::Subscription")["Properties"]
    assert sub["Protocol"] == "sqs"
    assert sub["RawMessageDelivery"] is True
    assert sub["FilterPolicy"] == {"eventType": ["PaymentSucceeded", "PaymentFailed"]}
    dlq_id = next(k for k in notifications.of_type("AWS::SQS::Queue") if "ResultsDlq" in k)
    assert sub["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    assert "Fn::ImportValue" in json.dumps(sub["TopicArn"])  # the payments stack's topic


def test_notifications_queue_accepts_only_the_results_topic(notifications: Synth) -> None:
    statements = [
        s
        for p in notifications.of_type("AWS::SQS::QueuePolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "sns.amazonaws.com"}
    ]
    assert len(statements) == 2  # the queue, and the DLQ for undeliverable messages
    assert all("Fn::ImportValue" in json.dumps(s["Condition"]["ArnEquals"]) for s in statements)


def test_notifications_may_send_only_as_the_shop_identity(notifications: Synth) -> None:
    statements = _statements(notifications, "ServiceNotifyRole")
    send = [s for s in statements if "ses:SendEmail" in _actions(s)]
    assert len(send) == 1
    resources = json.dumps(send[0]["Resource"])
    assert "identity/shop@example.com" in resources and "configuration-set/" in resources
    identity = notifications.one("AWS::SES::EmailIdentity")["Properties"]
    assert identity["EmailIdentity"] == "shop@example.com"
    env = next(
        r["Properties"]["Environment"]["Variables"]
        for k, r in notifications.of_type("AWS::Lambda::Function").items()
        if k.startswith("ServiceNotify")
    )
    assert env["MAIL_FROM"] == "shop@example.com" and env["MAIL_CONFIGURATION_SET"]


def test_notifications_event_source_reports_batch_item_failures(notifications: Synth) -> None:
    mapping = notifications.one("AWS::Lambda::EventSourceMapping")["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert len(notifications.of_type("AWS::CloudWatch::Alarm")) >= 2  # DLQ depth, errors
