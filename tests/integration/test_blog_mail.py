"""The blog's mail and sign-in settings through the shared running cloud and its edge:
/config.json served by the distribution (written by the seed from the stack's real pool and
client), welcome-mail links naming the site URL readers use (the SiteUrl output, read by the
API from SSM at run time) that confirm through the edge, and SES mailbox-simulator bounces
and complaints reaching `mail_events` (configuration set -> SNS -> Lambda), which suppresses
the subscriber so no second mail is sent.

Requests name the distribution by its own host (`d….cloudfront.localhost:<edge port>`),
connected to 127.0.0.1 with the host in the SNI and Host header, as a browser would
(`*.localhost` is loopback, RFC 6761; the C resolver here may not know it).
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import LocalCloudHandle, unique_email
from tests.integration.conftest import aws_client

pytestmark = pytest.mark.integration

LINK = re.compile(r"https://[^\s\"'<>]+/api/subscriptions/(confirm|unsubscribe)\?token=[^\s\"'<>]+")
# The SES mailbox simulator:
# https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
BOUNCE = "bounce@simulator.amazonses.com"
COMPLAINT = "complaint@simulator.amazonses.com"


@pytest.fixture(scope="module")
def edge(local_cloud: LocalCloudHandle) -> Iterator[Callable[..., httpx.Response]]:
    """`edge(method, url, ...)`: a request to a URL on the distribution's own host."""
    context = ssl.create_default_context(cafile=str(local_cloud.ca_pem))
    with httpx.Client(verify=context, timeout=35) as client:

        def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
            parts = urlsplit(url)
            assert parts.hostname and parts.hostname.endswith(".cloudfront.localhost"), url
            loopback = parts._replace(netloc=f"127.0.0.1:{parts.port}").geturl()
            headers = {"Host": parts.netloc, **kwargs.pop("headers", {})}
            return client.request(
                method, loopback, headers=headers,
                extensions={"sni_hostname": parts.hostname}, **kwargs,
            )  # fmt: skip

        yield call


@pytest.fixture(scope="module")
def site_url(local_cloud: LocalCloudHandle) -> str:
    return str(local_cloud.stack_output("SiteUrl")).rstrip("/")


def _inbox(cloud: LocalCloudHandle, to: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{cloud.aws_endpoint}/_aws/ses", params={"to": to}, timeout=10)
    assert answer.status_code == 200
    messages: list[dict[str, Any]] = answer.json()["messages"]
    return messages


def _wait(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def _links(message: dict[str, Any]) -> dict[str, str]:
    text = str(message["Body"]["text_part"])
    return {m.group(1): m.group(0) for m in LINK.finditer(text)}


def _subscriber(cloud: LocalCloudHandle, email: str) -> dict[str, Any] | None:
    stack = next(name for name, values in cloud.outputs.items() if "SiteUrl" in values)
    resources = aws_client(cloud, "cloudformation").describe_stack_resources(StackName=stack)
    table = next(
        r["PhysicalResourceId"] for r in resources["StackResources"]
        if r["ResourceType"] == "AWS::DynamoDB::Table"
        and r["LogicalResourceId"].startswith("StorageSubscribersTable")
    )  # fmt: skip
    item = (
        aws_client(cloud, "dynamodb")
        .get_item(TableName=table, Key={"email": {"S": email}}, ConsistentRead=True)
        .get("Item")
    )
    return {k: next(iter(v.values())) for k, v in item.items()} if item else None


def test_site_config_json_names_the_stacks_pool_and_client(
    local_cloud: LocalCloudHandle, edge: Callable[..., httpx.Response], site_url: str
) -> None:
    answer = edge("GET", f"{site_url}/config.json")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {
        "apiUrl": "/api/",
        "region": "us-east-1",
        "userPoolId": local_cloud.stack_output("BlogUserPoolId"),
        "clientId": local_cloud.stack_output("BlogUserPoolClientId"),
        "cognitoEndpoint": local_cloud.aws_endpoint.rstrip("/") + "/",
    }


def test_welcome_mail_links_name_the_site_and_confirm_through_the_edge(
    local_cloud: LocalCloudHandle, edge: Callable[..., httpx.Response], site_url: str
) -> None:
    email = unique_email("reader")
    answer = edge("POST", f"{site_url}/api/subscriptions", json={"email": email, "lang": "de"})
    assert answer.status_code == 202, answer.text
    [message] = _wait(lambda: _inbox(local_cloud, email))
    links = _links(message)
    assert set(links) == {"confirm", "unsubscribe"}
    for link in links.values():
        assert link.startswith(f"{site_url}/api/subscriptions/"), link
    page = edge("GET", links["confirm"], headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "confirmed" in page.text
    status = edge("GET", links["confirm"], headers={"Accept": "application/json"}).json()
    assert status == {"email": email, "status": "confirmed"}
    assert (_subscriber(local_cloud, email) or {}).get("status") == "confirmed"


@pytest.mark.parametrize("address", [BOUNCE, COMPLAINT])
def test_simulator_bounce_or_complaint_suppresses_the_subscriber_and_stops_mail(
    local_cloud: LocalCloudHandle,
    edge: Callable[..., httpx.Response],
    site_url: str,
    address: str,
) -> None:
    before = len(_inbox(local_cloud, address))
    answer = edge("POST", f"{site_url}/api/subscriptions", json={"email": address})
    assert answer.status_code == 202, answer.text
    messages = _wait(lambda: [m for m in _inbox(local_cloud, address)][before:] or None)
    assert len(messages) == 1
    # SES -> configuration set's SNS destination -> mail_events -> the subscriber suppressed.
    _wait(lambda: (_subscriber(local_cloud, address) or {}).get("status") == "suppressed")
    confirm = _links(messages[0])["confirm"]
    status = edge("GET", confirm, headers={"Accept": "application/json"})
    assert status.json() == {"email": address, "status": "suppressed"}
    again = edge("POST", f"{site_url}/api/subscriptions", json={"email": address})
    assert again.status_code == 202  # the same answer, so strangers learn nothing...
    time.sleep(1.0)
    assert len(_inbox(local_cloud, address)) == before + 1  # ...and no second mail
