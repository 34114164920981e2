"""SES and CloudWatch through a running cloud: templated mail rendered into the local inbox
(LocalStack's /_aws/ses shape and filters), rendering failures and simulator bounces as
SES events, suppression; a function's Powertools (EMF) metric that fires an alarm whose
SNS action reaches a queue and, by e-mail, the inbox; a DLQ-depth alarm; SES's error codes
for bad input; the inbox surviving kill -9. The CDK app is `tests/fixtures/apps/mail_alarms`."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import (
    LocalCloudHandle,
    app_cloud,
    copy_fixture_app,
    start_local_cloud,
    stop_local_cloud,
)
from tests.integration.conftest import aws_client

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "mail_alarms"
SENDER = "no-reply@example.com"


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_fixture_app(tmp_path_factory, FIXTURE)


@pytest.fixture(scope="module")
def cloud(app_dir: Path) -> Iterator[LocalCloudHandle]:
    with app_cloud(app_dir, env={"STRATUS_ALARM_SECONDS": "1"}) as handle:
        yield handle


def _inbox(cloud: LocalCloudHandle, **query: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{cloud.aws_endpoint}/_aws/ses", params=query, timeout=10)
    assert response.status_code == 200
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def _wait(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def _drain(
    cloud: LocalCloudHandle, output: str, want: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    sqs = aws_client(cloud, "sqs")
    url = cloud.stack_output(output)

    def poll() -> dict[str, Any] | None:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in got.get("Messages", []):
            body = json.loads(json.loads(message["Body"])["Message"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if want(body):
                return body
        return None

    found: dict[str, Any] = _wait(poll, 40)
    return found


def _send_welcome(cloud: LocalCloudHandle, to: str, data: dict[str, Any]) -> str:
    ses = aws_client(cloud, "ses")
    answer = ses.send_templated_email(
        Source=SENDER,
        Destination={"ToAddresses": [to]},
        Template="welcome",
        TemplateData=json.dumps(data),
        ConfigurationSetName="mail-events",
    )
    return str(answer["MessageId"])


# -- SES -------------------------------------------------------------------------------
def test_identity_has_dkim_outputs(cloud: LocalCloudHandle) -> None:
    assert cloud.stack_output("DkimName1").endswith("._domainkey.example.com")
    assert cloud.stack_output("DkimValue1").endswith(".dkim.amazonses.com")


def test_templated_send_is_rendered_in_the_inbox_with_filters(cloud: LocalCloudHandle) -> None:
    data = {"name": "Ann", "link": "https://blog.localhost/confirm?t=abc&x=1"}
    mid = _send_welcome(cloud, "ann@example.org", data)
    [message] = _inbox(cloud, id=mid)
    assert message["Source"] == SENDER and message["Region"] == "us-east-1"
    assert message["Destination"]["ToAddresses"] == ["ann@example.org"]
    assert message["Subject"] == "Welcome, Ann"
    assert (
        message["Body"]["text_part"]
        == "Hi Ann, confirm at https://blog.localhost/confirm?t=abc&x=1"
    )
    assert '<a href="https://blog.localhost/confirm?t=abc&x=1">' in message["Body"]["html_part"]
    assert message["Template"] == "welcome" and json.loads(message["TemplateData"]) == data
    assert "T" in message["Timestamp"]
    assert [m["Id"] for m in _inbox(cloud, to="ann@example.org")] == [mid]
    assert mid in [m["Id"] for m in _inbox(cloud, email=SENDER)]
    assert _inbox(cloud, email="someone@else.org") == []


def test_inbox_page_shows_html_sandboxed(cloud: LocalCloudHandle) -> None:
    mid = _send_welcome(cloud, "page@example.org", {"name": "<Page>", "link": "https://x.test/"})
    listing = httpx.get(f"{cloud.aws_endpoint}/_aws/ses/inbox", timeout=10)
    assert listing.status_code == 200 and mid in listing.text
    assert "&lt;Page&gt;" in listing.text  # the subject is escaped in the page
    page = httpx.get(f"{cloud.aws_endpoint}/_aws/ses/inbox/{mid}", timeout=10)
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page.text
    assert "srcdoc=" in page.text and "&lt;base target=&quot;_blank&quot;&gt;" in page.text


def test_delete_by_id_then_all(cloud: LocalCloudHandle) -> None:
    mid = _send_welcome(cloud, "gone@example.org", {"name": "G", "link": "L"})
    assert httpx.delete(f"{cloud.aws_endpoint}/_aws/ses", params={"id": mid}).status_code == 204
    assert _inbox(cloud, id=mid) == []


def test_missing_variable_is_a_rendering_failure_event(cloud: LocalCloudHandle) -> None:
    mid = _send_welcome(cloud, "bob@example.org", {"name": "Bob"})
    event = _drain(
        cloud,
        "EventsQueueUrl",
        lambda e: e.get("eventType") == "Rendering Failure" and e["mail"]["messageId"] == mid,
    )
    assert event["failure"]["templateName"] == "welcome"
    assert "'link'" in event["failure"]["errorMessage"]
    assert _inbox(cloud, id=mid) == []


def test_simulator_bounce_is_an_event_and_suppresses(cloud: LocalCloudHandle) -> None:
    address = "bounce@simulator.amazonses.com"
    mid = _send_welcome(cloud, address, {"name": "B", "link": "L"})
    event = _drain(
        cloud,
        "EventsQueueUrl",
        lambda e: e.get("eventType") == "Bounce" and e["mail"]["messageId"] == mid,
    )
    assert event["bounce"]["bounceType"] == "Permanent"
    suppressed = aws_client(cloud, "sesv2").get_suppressed_destination(EmailAddress=address)
    assert suppressed["SuppressedDestination"]["Reason"] == "BOUNCE"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"TemplateData": "{oops"}, "InvalidParameterValue"),
        ({"Template": "no-such-template"}, "TemplateDoesNotExist"),
        ({"Destination": {"ToAddresses": ["not-an-address"]}}, "InvalidParameterValue"),
        ({"Source": "me@unverified.test"}, "MessageRejected"),
    ],
)
def test_bad_input_gets_ses_error_codes(
    cloud: LocalCloudHandle, change: dict[str, Any], code: str
) -> None:
    params: dict[str, Any] = {
        "Source": SENDER,
        "Destination": {"ToAddresses": ["x@example.org"]},
        "Template": "welcome",
        "TemplateData": "{}",
        **change,
    }
    with pytest.raises(ClientError) as error:
        aws_client(cloud, "ses").send_templated_email(**params)
    assert error.value.response["Error"]["Code"] == code


# -- CloudWatch ------------------------------------------------------------------------
def _alarm_state(cloud: LocalCloudHandle, name: str) -> str:
    alarms = aws_client(cloud, "cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return str(alarms[0]["StateValue"])


def test_emf_metric_fires_the_alarm_whose_action_reaches_queue_and_inbox(
    cloud: LocalCloudHandle,
) -> None:
    aws_client(cloud, "lambda").invoke(
        FunctionName="mail-alarms-orders", Payload=json.dumps({"failed": 3}).encode()
    )
    cloudwatch = aws_client(cloud, "cloudwatch")
    _wait(
        lambda: cloudwatch.list_metrics(Namespace="MailAlarms", MetricName="OrdersFailed")[
            "Metrics"
        ]
    )
    _wait(lambda: _alarm_state(cloud, "orders-failed") == "ALARM", 30)
    notice = _drain(cloud, "AlarmQueueUrl", lambda b: b.get("AlarmName") == "orders-failed")
    assert notice["NewStateValue"] == "ALARM"
    assert notice["Trigger"]["Namespace"] == "MailAlarms"
    mail = _wait(
        lambda: [m for m in _inbox(cloud, to="ops@example.com") if "orders-failed" in m["Subject"]]
    )
    assert mail[0]["Subject"] == 'ALARM: "orders-failed" in US East (N. Virginia)'
    history = cloudwatch.describe_alarm_history(AlarmName="orders-failed")["AlarmHistoryItems"]
    assert any("to ALARM" in item["HistorySummary"] for item in history)
    stats = cloudwatch.get_metric_statistics(
        Namespace="MailAlarms",
        MetricName="OrdersFailed",
        Dimensions=[{"Name": "service", "Value": "orders"}],
        StartTime=time.time() - 600,
        EndTime=time.time() + 60,
        Period=60,
        Statistics=["Sum"],
    )
    assert sum(p["Sum"] for p in stats["Datapoints"]) >= 3
    lambda_metrics = cloudwatch.list_metrics(Namespace="AWS/Lambda", MetricName="Duration")
    assert lambda_metrics["Metrics"]


def test_dlq_depth_alarm_fires(cloud: LocalCloudHandle) -> None:
    aws_client(cloud, "sqs").send_message(QueueUrl=cloud.stack_output("DlqUrl"), MessageBody="x")
    _wait(lambda: _alarm_state(cloud, "dlq-depth") == "ALARM", 30)


def test_dashboard_body_is_returned(cloud: LocalCloudHandle) -> None:
    body = aws_client(cloud, "cloudwatch").get_dashboard(DashboardName="mail-alarms")
    assert "Failed orders" in body["DashboardBody"]


def test_inbox_survives_kill_9(cloud: LocalCloudHandle, app_dir: Path) -> None:
    mid = _send_welcome(cloud, "keep@example.org", {"name": "K", "link": "L"})
    os.kill(cloud.pid, signal.SIGKILL)
    time.sleep(0.5)
    proc, handle = start_local_cloud(None, app_dir=app_dir, fresh=False)
    try:
        [message] = _inbox(handle, id=mid)
        assert message["Subject"] == "Welcome, K"
    finally:
        stop_local_cloud(proc)
