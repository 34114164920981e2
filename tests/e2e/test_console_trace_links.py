"""The traces console in Chromium shows one request across a queue, a topic and a bus: the
fixture API's producer and the three functions its SQS message, SNS notification and
EventBridge event reach, on one timeline, each consumer nested under the producer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from tests.e2e.console_browser import chromium, watched_page
from tests.e2e.test_web_todo import ARTIFACTS
from tests.integration.test_xray_links import FUNCTIONS, PREFIX, linked_request, links_cloud

pytestmark = pytest.mark.e2e
__all__ = ["links_cloud"]  # the module's cloud fixture, shared with the integration test


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_the_timeline_holds_the_producer_and_every_consumer(
    links_cloud: Any, browser: Browser
) -> None:
    trace_id = linked_request(links_cloud)
    with watched_page(browser, timeout_ms=30_000) as (page, problems):
        page.goto(f"{links_cloud.gateway_origin}/console/traces")
        page.locator(f'a[href$="{trace_id}"]').first.click()
        expect(page.locator("h1")).to_contain_text(trace_id)
        rows = page.locator(".tl-row")
        functions = rows.filter(has=page.locator('.tl-kind:text-is("AWS::Lambda::Function")'))
        expect(functions).to_have_count(len(FUNCTIONS))
        depth: dict[str, int] = {}
        for name in FUNCTIONS:
            row = functions.filter(has=page.locator(f'.tl-name:text-is("{PREFIX}{name}")'))
            expect(row).to_have_count(1)
            depth[name] = int(row.get_attribute("data-depth") or "-1")
        assert all(depth[n] > depth["producer"] for n in FUNCTIONS if n != "producer"), depth
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-trace-links.png"), full_page=True)
        assert problems == []
