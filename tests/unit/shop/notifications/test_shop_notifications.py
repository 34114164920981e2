"""Notifications: parsing results, rendering the e-mail, SES's request, idempotent sends."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from notifications_harness import (
    CONTEXT,
    RecordingMailer,
    body,
    build_notifications,
    result,
    sqs_event,
)

from stratus.runtime.errors import ConfigError
from stratus.shop.notifications.config import NotificationsConfig
from stratus.shop.notifications.domain import MalformedMessageError, payment_notice
from stratus.shop.notifications.mailer import SesMailer
from stratus.shop.notifications.render import Email, render


def test_paid_mail_names_order_total_and_outcome() -> None:
    mail = render(payment_notice(body(order_id="o-7")))
    assert mail.subject == "Payment received for order o-7"
    for part in (mail.text, mail.html):
        assert "o-7" in part and "12.50" in part and "succeeded" in part
    assert mail.html.startswith("<!doctype html>")


def test_failed_mail_says_why_and_that_nothing_was_charged() -> None:
    mail = render(payment_notice(body(order_id="o-8", outcome="failed")))
    assert mail.subject == "Payment failed for order o-8"
    assert "your card was declined" in mail.text and "Nothing was charged" in mail.text
    assert "failed" in mail.html


def test_html_part_escapes_what_the_message_carries() -> None:
    mail = render(payment_notice(body(order_id="<b>x</b>")))
    assert "<b>x</b>" not in mail.html and "&lt;b&gt;x&lt;/b&gt;" in mail.html
    assert "<b>x</b>" in mail.text


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("nope", "not JSON"),
        ("[]", "not a JSON object"),
        (json.dumps(result(outcome="maybe")), "outcome"),
        (json.dumps(result(total="12.5")), "total"),
        (json.dumps(result(email="ann")), "email"),
        (json.dumps({"Type": "Notification", "Message": "{}"}), "orderId"),
    ],
)
def test_malformed_messages_are_named(raw: str, why: str) -> None:
    with pytest.raises(MalformedMessageError, match=why):
        payment_notice(raw)


def test_duplicate_result_sends_one_mail(aws: None) -> None:
    mailer = RecordingMailer()
    notifications = build_notifications(mailer)
    event = sqs_event(body(order_id="o-1"), body(order_id="o-1"))
    assert notifications.handle_batch(event, CONTEXT) == {"batchItemFailures": []}
    assert notifications.handle_batch(sqs_event(body(order_id="o-1")), CONTEXT) == {
        "batchItemFailures": []
    }
    assert [to for to, _ in mailer.sent] == ["ann@example.com"]


def test_another_outcome_for_the_same_order_is_another_mail(aws: None) -> None:
    mailer = RecordingMailer()
    notifications = build_notifications(mailer)
    event = sqs_event(body(order_id="o-2", outcome="failed"), body(order_id="o-2"))
    notifications.handle_batch(event, CONTEXT)
    assert [mail.subject.split()[1] for _, mail in mailer.sent] == ["failed", "received"]


def test_poison_message_fails_only_its_own_record(aws: None) -> None:
    mailer = RecordingMailer()
    notifications = build_notifications(mailer)
    event = sqs_event(body(order_id="o-3"), "{oops", body(order_id="o-4"))
    assert notifications.handle_batch(event, CONTEXT) == {
        "batchItemFailures": [{"itemIdentifier": "m-1"}]
    }
    assert len(mailer.sent) == 2


def test_failed_send_is_retried_and_sent_once(aws: None) -> None:
    mailer = RecordingMailer(failures=1)
    notifications = build_notifications(mailer)
    event = sqs_event(body(order_id="o-5"))
    assert notifications.handle_batch(event, CONTEXT) == {
        "batchItemFailures": [{"itemIdentifier": "m-0"}]
    }
    assert notifications.handle_batch(event, CONTEXT) == {"batchItemFailures": []}
    assert notifications.handle_batch(event, CONTEXT) == {"batchItemFailures": []}
    assert len(mailer.sent) == 1


def test_ses_request_carries_text_html_and_configuration_set() -> None:
    client = boto3.client(
        "sesv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    mail = Email(subject="S", text="T", html="<p>H</p>")
    with Stubber(client) as stub:
        stub.add_response(
            "send_email",
            {"MessageId": "m-1"},
            {
                "FromEmailAddress": "shop@example.com",
                "Destination": {"ToAddresses": ["ann@example.com"]},
                "Content": {
                    "Simple": {
                        "Subject": {"Data": "S", "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": "T", "Charset": "UTF-8"},
                            "Html": {"Data": "<p>H</p>", "Charset": "UTF-8"},
                        },
                    }
                },
                "ConfigurationSetName": "shop",
            },
        )
        assert SesMailer(client, "shop@example.com", "shop").send("ann@example.com", mail) == "m-1"
        stub.assert_no_pending_responses()


def test_config_reads_the_environment_and_names_what_is_missing() -> None:
    cfg = NotificationsConfig.from_env(
        {"IDEMPOTENCY_TABLE_NAME": "t", "MAIL_FROM": "shop@example.com"}
    )
    assert cfg.mail_from == "shop@example.com" and cfg.configuration_set is None
    with pytest.raises(ConfigError, match="MAIL_FROM"):
        NotificationsConfig.from_env({"IDEMPOTENCY_TABLE_NAME": "t"})
