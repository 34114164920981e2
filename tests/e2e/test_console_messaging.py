"""The console's messaging pages in Chromium against the running local cloud: a DLQ's
message shown without being received, Redrive moving it back to its source queue, Purge
emptying a queue, and a mail sent through SES read in the inbox (its HTML in the sandboxed
frame, under the console's Content-Security-Policy)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.console_browser import chromium, watched_page
from tests.e2e.test_web_todo import ARTIFACTS

pytestmark = pytest.mark.e2e


def _aws(local_cloud: Any, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=local_cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with watched_page(browser) as (opened, problems):
        opened.on("dialog", lambda dialog: dialog.accept())  # data-confirm on actions
        yield opened
    assert problems == []  # no CSP violation, no script error


def _depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_dlq_message_is_shown_and_redriven_then_purged(local_cloud: Any, page: Page) -> None:
    sqs = _aws(local_cloud, "sqs")
    name = f"console-{uuid.uuid4().hex[:8]}"
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    source = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody='{"order": "poison-42"}')

    console = f"{local_cloud.gateway_origin}/console"
    page.goto(f"{console}/queues")
    row = page.locator(f'tr[data-queue="{name}-dlq"]')
    expect(row.locator("td.visible")).to_have_text("1")
    expect(page.locator(f'tr[data-queue="{name}"]')).to_contain_text(f"{name}-dlq")
    row.get_by_role("link", name=f"{name}-dlq").click()

    expect(page.locator("h1")).to_have_text(f"{name}-dlq")
    expect(page.locator("table.messages")).to_contain_text("poison-42")
    page.reload()  # looking twice receives nothing: still visible, never received
    expect(page.locator("table.messages tbody tr td").nth(2)).to_have_text("0")
    assert _depth(sqs, dlq) == 1

    page.get_by_role("button", name="Redrive").click()
    expect(page.locator("p.notice")).to_contain_text("Moved 1 message(s).")
    assert (_depth(sqs, dlq), _depth(sqs, source)) == (0, 1)
    moved = sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)["Messages"][0]
    assert moved["Body"] == '{"order": "poison-42"}'

    page.goto(f"{console}/queues/{name}")
    expect(page.locator("#visible")).to_have_text("1")
    page.get_by_role("button", name="Purge").click()
    expect(page.locator("p.notice")).to_contain_text(f"Purged {name}.")
    assert _depth(sqs, source) == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)


def test_inbox_shows_a_mail_sent_with_ses(local_cloud: Any, page: Page) -> None:
    ses = _aws(local_cloud, "ses")
    sender = "console-test@example.com"
    ses.verify_email_identity(EmailAddress=sender)
    subject = f"Console check {uuid.uuid4().hex[:8]}"
    ses.send_email(
        Source=sender,
        Destination={"ToAddresses": ["reader@example.com"]},
        Message={
            "Subject": {"Data": subject},
            "Body": {
                "Html": {"Data": '<p class="hello">Hello from the <b>inbox</b></p>'},
                "Text": {"Data": "Hello from the inbox"},
            },
        },
    )
    page.goto(f"{local_cloud.gateway_origin}/console/inbox")
    page.get_by_role("link", name=subject).click()
    expect(page.locator("h1")).to_have_text(subject)
    frame = page.frame_locator("iframe.mail")
    expect(frame.locator("p.hello")).to_have_text("Hello from the inbox")
    expect(page.locator("pre.log")).to_have_text("Hello from the inbox")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-inbox.png"), full_page=True)


def test_inbox_lists_cognito_confirmation_codes(local_cloud: Any, page: Page) -> None:
    email = f"console-{uuid.uuid4().hex[:8]}@example.com"
    _aws(local_cloud, "cognito-idp").sign_up(
        ClientId=local_cloud.stack_output("UserPoolClientId"),
        Username=email,
        Password="Corr3ct-Horse!",
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    page.goto(f"{local_cloud.gateway_origin}/console/inbox")
    row = page.locator("table.codes tr", has_text=email)
    expect(row.locator("td.mono")).to_have_text(local_cloud.confirmation_code(email))


def test_topics_streams_and_rules_name_the_deployed_resources(local_cloud: Any, page: Page) -> None:
    """Each list page names every resource the deployment made, as its service lists them."""
    topics = [
        t["TopicArn"].rsplit(":", 1)[-1] for t in _aws(local_cloud, "sns").list_topics()["Topics"]
    ]
    streams = _aws(local_cloud, "kinesis").list_streams()["StreamNames"]
    events = _aws(local_cloud, "events")
    rules = [
        (bus["Name"], rule["Name"])
        for bus in events.list_event_buses()["EventBuses"]
        for rule in events.list_rules(EventBusName=bus["Name"])["Rules"]
    ]
    assert topics and streams and rules  # the product declares all three
    console = f"{local_cloud.gateway_origin}/console"
    page.goto(f"{console}/topics")
    for name in topics:
        expect(page.locator(f'h3[data-topic="{name}"]').first).to_be_attached()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-topics.png"), full_page=True)
    page.goto(f"{console}/streams")
    for name in streams:
        expect(page.locator(f'tr[data-stream="{name}"]').first).to_be_attached()
    page.locator(f'tr[data-stream="{streams[0]}"] a').first.click()
    expect(page.locator("h1")).to_have_text(streams[0])
    expect(page.locator("table.shards tbody tr").first).to_contain_text("shardId-")
    page.goto(f"{console}/rules")
    page.screenshot(path=str(ARTIFACTS / "console-rules.png"), full_page=True)
    for bus, rule in rules:
        expect(page.locator(f'a[href="/console/rules/{bus}/{rule}"]').first).to_be_attached()
    bus, rule = rules[0]
    page.locator(f'a[href="/console/rules/{bus}/{rule}"]').first.click()
    expect(page.locator("h1")).to_have_text(rule)
