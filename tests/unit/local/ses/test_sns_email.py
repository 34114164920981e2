"""SNS e-mail subscriptions as messages in the local inbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from stratus.local.events.shapes.sns import Publication
from stratus.local.ses import sns_email

PUBLICATION = Publication(
    topic_arn="arn:aws:sns:us-east-1:123456789012:alarms",
    message_id="m-1",
    message='{"AlarmName": "x"}',
    time=datetime(2024, 1, 1, tzinfo=UTC),
    subscription_arn="arn:aws:sns:us-east-1:123456789012:alarms:sub",
    subject='ALARM: "x" in US East (N. Virginia)',
)


def test_email_carries_the_message_subject_and_an_unsubscribe_footer() -> None:
    message = sns_email.render("email", "ops@example.com", PUBLICATION)
    assert message.to == ["ops@example.com"]
    assert message.source == sns_email.SENDER
    assert message.subject == 'ALARM: "x" in US East (N. Virginia)'
    assert message.text is not None and message.text.startswith('{"AlarmName": "x"}')
    assert "unsubscribe" in message.text


def test_email_json_carries_the_envelope() -> None:
    message = sns_email.render("email-json", "ops@example.com", PUBLICATION)
    assert message.text is not None
    assert json.loads(message.text)["Message"] == '{"AlarmName": "x"}'
