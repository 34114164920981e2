"""Sending through moto with the local SES patches: inbox, events, simulator, suppression,
and SES's error codes for bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from stratus.local.ses import mailer, moto_patches, store

TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-events"
FEEDBACK = "arn:aws:sns:us-east-1:123456789012:ses-feedback"
SENDER = "no-reply@example.com"


@pytest.fixture
def ses() -> Iterator[tuple[Any, Any, list[tuple[str, dict[str, Any]]]]]:
    moto_patches.install()
    emitted: list[tuple[str, dict[str, Any]]] = []
    mailer.set_emitter(lambda topic, body: emitted.append((topic, json.loads(body))))
    try:
        with mock_aws():
            v1 = boto3.client("ses", region_name="us-east-1")
            v2 = boto3.client("sesv2", region_name="us-east-1")
            v1.verify_domain_identity(Domain="example.com")
            v2.create_configuration_set(ConfigurationSetName="cs")
            v2.create_configuration_set_event_destination(
                ConfigurationSetName="cs",
                EventDestinationName="all",
                EventDestination={
                    "Enabled": True,
                    "MatchingEventTypes": ["SEND", "BOUNCE", "COMPLAINT", "RENDERING_FAILURE"],
                    "SnsDestination": {"TopicArn": TOPIC},
                },
            )
            v1.create_template(
                Template={
                    "TemplateName": "welcome",
                    "SubjectPart": "Welcome, {{name}}",
                    "TextPart": "Hi {{name}}, confirm: {{link}}",
                    "HtmlPart": "<p>Hi {{name}}</p><a href='{{link}}'>confirm</a>",
                }
            )
            yield v1, v2, emitted
    finally:
        mailer.set_emitter(None)


def _types(emitted: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [body.get("eventType") or body.get("notificationType") for _, body in emitted]


def test_templated_send_is_kept_rendered_in_the_inbox(ses: Any) -> None:
    v1, _, emitted = ses
    data = json.dumps({"name": "Ann", "link": "https://x/confirm?t=1&u=2"})
    mid = v1.send_templated_email(
        Source=SENDER,
        Destination={"ToAddresses": ["ann@example.org"]},
        Template="welcome",
        TemplateData=data,
        ConfigurationSetName="cs",
    )["MessageId"]
    [message] = [m.as_localstack() for m in store.all_messages() if m.id == mid]
    assert message["Subject"] == "Welcome, Ann"
    assert message["Body"]["text_part"] == "Hi Ann, confirm: https://x/confirm?t=1&u=2"
    assert "<a href='https://x/confirm?t=1&u=2'>" in message["Body"]["html_part"]
    assert message["Template"] == "welcome" and message["TemplateData"] == data
    assert message["Destination"]["ToAddresses"] == ["ann@example.org"]
    assert _types(emitted) == ["Send"]


def test_missing_variable_is_accepted_then_reported_as_rendering_failure(ses: Any) -> None:
    v1, _, emitted = ses
    mid = v1.send_templated_email(
        Source=SENDER,
        Destination={"ToAddresses": ["ann@example.org"]},
        Template="welcome",
        TemplateData=json.dumps({"name": "Ann"}),
        ConfigurationSetName="cs",
    )["MessageId"]
    assert all(m.id != mid for m in store.all_messages())
    [(topic, event)] = emitted
    assert topic == TOPIC
    assert event["eventType"] == "Rendering Failure"
    assert event["mail"]["messageId"] == mid
    assert event["failure"] == {
        "errorMessage": "Attribute 'link' is not present in the rendering data.",
        "templateName": "welcome",
    }


def test_simulator_bounce_notifies_and_suppresses(ses: Any) -> None:
    v1, v2, emitted = ses
    v1.set_identity_notification_topic(
        Identity="example.com", NotificationType="Bounce", SnsTopic=FEEDBACK
    )
    v1.send_email(
        Source=SENDER,
        Destination={"ToAddresses": ["bounce@simulator.amazonses.com"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
        ConfigurationSetName="cs",
    )
    assert _types(emitted) == ["Send", "Bounce", "Bounce"]
    notification = next(body for topic, body in emitted if topic == FEEDBACK)
    assert notification["notificationType"] == "Bounce"
    assert notification["bounce"]["bounceType"] == "Permanent"
    assert notification["bounce"]["bouncedRecipients"][0]["emailAddress"] == (
        "bounce@simulator.amazonses.com"
    )
    entry = v2.get_suppressed_destination(EmailAddress="bounce@simulator.amazonses.com")
    assert entry["SuppressedDestination"]["Reason"] == "BOUNCE"


def test_send_to_a_suppressed_address_bounces_on_the_suppression_list(ses: Any) -> None:
    v1, v2, emitted = ses
    v2.put_suppressed_destination(EmailAddress="gone@example.org", Reason="COMPLAINT")
    v1.send_email(
        Source=SENDER,
        Destination={"ToAddresses": ["gone@example.org"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
        ConfigurationSetName="cs",
    )
    bounce = next(body for _, body in emitted if body["eventType"] == "Bounce")
    assert bounce["bounce"]["bounceSubType"] == "OnAccountSuppressionList"


def test_complaint_simulator_publishes_a_complaint(ses: Any) -> None:
    v1, _, emitted = ses
    v1.send_email(
        Source=SENDER,
        Destination={"ToAddresses": ["complaint+x@simulator.amazonses.com"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
        ConfigurationSetName="cs",
    )
    assert _types(emitted) == ["Send", "Complaint"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"TemplateData": "{not json"}, "InvalidParameterValue"),
        ({"Template": "nope"}, "TemplateDoesNotExist"),
        ({"Source": "me@unverified.org"}, "MessageRejected"),
        ({"Destination": {"ToAddresses": ["no-at-sign"]}}, "InvalidParameterValue"),
        ({"ConfigurationSetName": "missing"}, "ConfigurationSetDoesNotExist"),
    ],
)
def test_bad_input_is_answered_with_ses_error_codes(
    ses: Any, change: dict[str, Any], code: str
) -> None:
    v1, _, _ = ses
    params: dict[str, Any] = {
        "Source": SENDER,
        "Destination": {"ToAddresses": ["ann@example.org"]},
        "Template": "welcome",
        "TemplateData": "{}",
        **change,
    }
    with pytest.raises(ClientError) as error:
        v1.send_templated_email(**params)
    assert error.value.response["Error"]["Code"] == code


def test_unverified_sender_message_names_the_identity(ses: Any) -> None:
    v1, _, _ = ses
    with pytest.raises(ClientError) as error:
        v1.send_email(
            Source="me@unverified.org",
            Destination={"ToAddresses": ["ann@example.org"]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
        )
    assert error.value.response["Error"]["Message"] == (
        "Email address is not verified. The following identities failed the check in "
        "region US-EAST-1: me@unverified.org"
    )


def test_sesv2_templated_send_renders_and_bad_data_is_bad_request(ses: Any) -> None:
    _, v2, _ = ses
    mid = v2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["bo@example.org"]},
        Content={
            "Template": {"TemplateName": "welcome", "TemplateData": '{"name":"Bo","link":"L"}'}
        },
    )["MessageId"]
    [message] = [m for m in store.all_messages() if m.id == mid]
    assert message.subject == "Welcome, Bo"
    with pytest.raises(ClientError) as error:
        v2.send_email(
            FromEmailAddress=SENDER,
            Destination={"ToAddresses": ["bo@example.org"]},
            Content={"Template": {"TemplateName": "welcome", "TemplateData": "{x"}},
        )
    assert error.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError) as missing:
        v2.send_email(
            FromEmailAddress=SENDER,
            Destination={"ToAddresses": ["bo@example.org"]},
            Content={"Template": {"TemplateName": "nope", "TemplateData": "{}"}},
        )
    assert missing.value.response["Error"]["Code"] == "NotFoundException"


def test_raw_and_bulk_sends_land_in_the_inbox(ses: Any) -> None:
    v1, v2, _ = ses
    raw = b"From: no-reply@example.com\r\nTo: c@example.org\r\nSubject: Raw hi\r\n" + (
        b"Content-Type: text/html\r\n\r\n<b>raw</b>"
    )
    v2.send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["c@example.org"]},
        Content={"Raw": {"Data": raw}},
    )
    answer = v1.send_bulk_templated_email(
        Source=SENDER,
        Template="welcome",
        DefaultTemplateData='{"name":"friend","link":"L"}',
        Destinations=[
            {"Destination": {"ToAddresses": ["d@example.org"]}},
            {
                "Destination": {"ToAddresses": ["e@example.org"]},
                "ReplacementTemplateData": '{"name":"Eve"}',
            },
        ],
    )
    assert [s["Status"] for s in answer["Status"]] == ["Success", "Success"]
    subjects = {m.to[0]: m.subject for m in store.all_messages()}
    assert subjects == {
        "c@example.org": "Raw hi",
        "d@example.org": "Welcome, friend",
        "e@example.org": "Welcome, Eve",
    }
    raw_message = next(m for m in store.all_messages() if m.to == ["c@example.org"])
    assert raw_message.html == "<b>raw</b>" and raw_message.raw is not None


def test_test_render_template_fails_synchronously_on_missing_attribute(ses: Any) -> None:
    v1, _, _ = ses
    with pytest.raises(ClientError) as error:
        v1.test_render_template(TemplateName="welcome", TemplateData='{"name":"A"}')
    assert error.value.response["Error"]["Code"] == "MissingRenderingAttribute"
    rendered = v1.test_render_template(
        TemplateName="welcome", TemplateData='{"name":"A","link":"L"}'
    )
    assert "Subject: Welcome, A" in rendered["RenderedTemplate"]
