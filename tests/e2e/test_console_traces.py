"""The traces console in Chromium against the running local cloud: a request to the to-do
API (the client names its own trace Root) makes a trace whose timeline shows API Gateway's
stage segment, the function's Lambda segments and a DynamoDB subsegment that Powertools'
Tracer sent to the local X-Ray daemon."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect
from tests.e2e.console_browser import chromium, watched_page
from tests.e2e.test_web_todo import ARTIFACTS
from tests.integration.conftest import sign_up_and_login
from tests.integration.test_xray import traced_todo_request

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def trace_id(local_cloud: Any) -> str:
    user = sign_up_and_login(local_cloud)
    return traced_todo_request(local_cloud, user.auth)


def test_list_links_the_request_and_the_timeline_nests_its_segments(
    local_cloud: Any, browser: Browser, trace_id: str
) -> None:
    with watched_page(browser, timeout_ms=30_000) as (page, problems):
        page.goto(f"{local_cloud.gateway_origin}/console/traces?url=todos")
        row = page.locator("table.traces tr", has=page.locator(f'a[href$="{trace_id}"]'))
        expect(row).to_contain_text("POST")
        expect(row).to_contain_text("201")
        expect(row).to_contain_text("AWS::Lambda::Function")
        row.locator("a").click()
        expect(page.locator("h1")).to_contain_text(trace_id)
        rows = page.locator(".tl-row")
        gateway = rows.filter(has=page.locator('.tl-kind:text-is("AWS::ApiGateway::Stage")'))
        expect(gateway).to_have_count(1)
        expect(gateway.locator(".tl-name")).to_have_text("stratus-local-todo/local")
        function = rows.filter(has=page.locator('.tl-kind:text-is("AWS::Lambda::Function")'))
        expect(function).to_have_count(1)
        expect(rows.filter(has=page.locator('.tl-name:text-is("Invocation")'))).to_have_count(1)
        handler = rows.filter(has=page.locator('.tl-name:text-is("## lambda_handler")'))
        expect(handler).to_have_count(1)
        dynamodb = rows.filter(has=page.locator(".tl-kind:text-is('aws')")).filter(
            has_text="dynamodb"
        )
        assert dynamodb.count() >= 1
        # Nested: the function under the gateway, the DynamoDB call under the handler.
        gateway_depth = int(gateway.get_attribute("data-depth") or "-1")
        function_depth = int(function.get_attribute("data-depth") or "-1")
        handler_depth = int(handler.get_attribute("data-depth") or "-1")
        call_depth = int(dynamodb.first.get_attribute("data-depth") or "-1")
        assert gateway_depth < function_depth < handler_depth < call_depth
        # The bar of the call sits inside the gateway's (offset by its start).
        bar = dynamodb.first.locator(".tl-bar").bounding_box()
        outer = gateway.locator(".tl-bar").bounding_box()
        assert bar is not None and outer is not None and bar["width"] > 0
        assert outer["x"] <= bar["x"] and bar["x"] + bar["width"] <= outer["x"] + outer["width"] + 1
        dynamodb.first.locator("summary").click()
        detail = dynamodb.first.locator(".tl-detail")
        expect(detail).to_be_visible()
        expect(detail).to_contain_text("operation")
        expect(detail).to_contain_text("table_name")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-trace.png"), full_page=True)
        assert problems == []


def test_unknown_and_malformed_trace_ids_are_pages(local_cloud: Any) -> None:
    with httpx.Client(
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)), timeout=30
    ) as client:
        base = f"{local_cloud.gateway_origin}/console/traces"
        assert client.get(f"{base}/1-00000000-000000000000000000000000").status_code == 404
        assert client.get(f"{base}/not-a-trace").status_code == 400
