"""The console's Stacks and Functions pages in Chromium against the running local cloud:
the todo stack with its outputs, a stack page linking a function, and that function's page
showing an invocation this test makes, its log line arriving live without a reload."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.console_browser import chromium, watched_page
from tests.e2e.test_web_todo import ARTIFACTS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with watched_page(browser) as (opened, problems):
        yield opened
    assert problems == []  # no CSP violation, no failed fetch


def lambda_client(local_cloud: Any) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=local_cloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def todo_stack(local_cloud: Any) -> tuple[str, dict[str, Any]]:
    [(name, outputs)] = [
        (stack, values) for stack, values in local_cloud.outputs.items() if "TodoApiUrl" in values
    ]
    return name, outputs


def test_stacks_page_lists_the_todo_stack_and_its_outputs(local_cloud: Any, page: Page) -> None:
    name, outputs = todo_stack(local_cloud)
    page.goto(f"{local_cloud.gateway_origin}/console/stacks")
    row = page.locator(f'tr[data-stack="{name}"]')
    expect(row).to_be_visible()
    expect(row.locator("td").nth(2)).to_have_text("todo")  # the stack's system tag
    row.locator("summary").click()  # the outputs fold open
    expect(row.locator('dd[data-output="UserPoolClientId"]')).to_be_visible()
    expect(row).to_contain_text("UserPoolClientId")
    expect(row).to_contain_text(str(outputs["UserPoolClientId"]))
    api = row.locator('dd[data-output="TodoApiUrl"] a')
    expect(api).to_have_attribute("href", str(outputs["TodoApiUrl"]))
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the table scrolls
    page.screenshot(path=str(ARTIFACTS / "console-stacks-phone.png"))


def test_stack_page_links_a_function_whose_page_shows_a_live_invocation(
    local_cloud: Any, page: Page
) -> None:
    name, _ = todo_stack(local_cloud)
    page.goto(f"{local_cloud.gateway_origin}/console/stacks")
    page.locator(f'tr[data-stack="{name}"]').get_by_role("link", name=name).click()
    expect(page.locator("h1")).to_have_text(name)
    functions = page.locator('#resources a[href^="/console/functions/"]')
    expect(functions.first).to_be_visible()
    fn_name = functions.first.inner_text()
    functions.first.click()
    expect(page.locator("h1")).to_have_text(fn_name)
    expect(page.locator("#configuration")).to_contain_text(name)

    page.evaluate("window.notReloaded = true")
    answer = lambda_client(local_cloud).invoke(FunctionName=fn_name, Payload=b"{}", LogType="Tail")
    tail = base64.b64decode(answer["LogResult"]).decode()
    match = re.search(r"START RequestId: (\S+)", tail)
    assert match is not None, tail
    request_id = match.group(1)

    # The REPORT line of this invocation reaches the page by the live tail, no reload.
    report = page.locator("#log div.line", has_text=f"REPORT RequestId: {request_id}")
    expect(report).to_have_count(1, timeout=20_000)
    row = page.locator(f'#invocations tr[data-request-id="{request_id}"]')
    expect(row).to_be_visible()  # put on top of the table by the same poll
    live_cells = row.locator("td").all_inner_texts()
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#tail-status")).to_contain_text("live")

    page.reload()
    row = page.locator(f'#invocations tr[data-request-id="{request_id}"]')
    expect(row).to_be_visible()
    assert row.locator("td").all_inner_texts() == live_cells  # same row, live or rendered
    expect(row.locator("td.duration")).to_have_text(re.compile(r"^\d+\.\d\d ms$"))
    expect(row.locator("td.start")).to_have_text(re.compile(r"^(cold, init \d+\.\d\d ms|warm)$"))
    if answer.get("FunctionError"):
        error = json.loads(answer["Payload"].read()).get("errorType")
        if error:
            expect(row).to_contain_text(error)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-function.png"), full_page=True)


def test_functions_page_lists_what_lambda_lists(local_cloud: Any, page: Page) -> None:
    client = lambda_client(local_cloud)
    listed = {
        fn["FunctionName"]
        for answer in client.get_paginator("list_functions").paginate()
        for fn in answer["Functions"]
    }
    client.invoke(FunctionName=sorted(listed)[0], Payload=b"{}")
    page.goto(f"{local_cloud.gateway_origin}/console/functions")
    rows = page.locator("#functions tbody tr")
    expect(rows.first).to_be_visible()
    shown = {rows.nth(i).get_attribute("data-function") for i in range(rows.count())}
    assert shown == listed
    invoked = page.locator(f'tr[data-function="{sorted(listed)[0]}"] td').nth(6)
    assert int(invoked.inner_text()) >= 1


def test_unknown_stack_and_function_are_404_pages(local_cloud: Any) -> None:
    ca = str(local_cloud.ca_pem)
    for path in ("/console/stacks/NoSuchStack", "/console/functions/no-such-fn"):
        response = httpx.get(f"{local_cloud.gateway_origin}{path}", verify=ca, timeout=30)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text
