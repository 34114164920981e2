"""The console's cost page in Chromium: the running stage priced with a monthly total,
moving the users slider changes it, and "From this local cloud" prices the recorded
usage; no errors and nothing the page's CSP refuses."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.e2e.console_browser import chromium, watched_page
from tests.e2e.test_web_todo import ARTIFACTS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser_page(local_cloud: Any) -> Iterator[tuple[Page, list[str]]]:
    with chromium() as browser, watched_page(browser) as (page, problems):
        page.goto(f"{local_cloud.gateway_origin}/console/cost")
        yield page, problems


def _dollars(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def test_the_page_prices_the_running_stage(browser_page: tuple[Page, list[str]]) -> None:
    page, problems = browser_page
    expect(page.locator("h1")).to_have_text("Cost of this stage on AWS")
    total = page.locator("#cost-total")
    expect(total).to_contain_text("$")
    assert _dollars(total.inner_text()) > 0
    expect(page.locator("#cost-services tbody tr").first).to_be_visible()
    assert page.locator("#cost-lines tbody tr").count() > 3
    assert "lambda" in page.locator("#cost-services").inner_text()
    assert problems == []


def test_moving_the_users_slider_changes_the_total(browser_page: tuple[Page, list[str]]) -> None:
    page, problems = browser_page
    total = page.locator("#cost-total")
    before = total.inner_text()
    page.locator("#in-users").fill("2000000")
    expect(page.locator("#out-users")).to_have_text("2000000")
    expect(total).not_to_have_text(before)
    assert _dollars(total.inner_text()) > _dollars(before)
    assert "users=2000000" in page.url
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-cost.png"), full_page=True)
    assert problems == []


def test_from_this_local_cloud_prices_the_recorded_usage(
    local_cloud: Any, browser_page: tuple[Page, list[str]]
) -> None:
    page, problems = browser_page
    api = str(local_cloud.stack_output("TodoApiUrl"))
    trust = ssl.create_default_context(cafile=str(local_cloud.ca_pem))
    for _ in range(3):  # refused without a token, but API Gateway counts (and bills) them
        httpx.get(f"{api}todos", verify=trust, timeout=30)
    page.locator("#from-local").click()
    expect(page.locator("#cost-profile")).to_have_text("local-usage")
    notes = page.locator("#cost-assumptions")
    expect(notes).to_contain_text("measured on the local cloud")
    assert "source=local" in page.url
    assert problems == []
