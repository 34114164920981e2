"""The console's cost page in Chromium: the running stage priced with a monthly total,
moving the users slider changes it, and "From this local cloud" prices the recorded
usage; no errors and nothing the page's CSP refuses."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright
from tests.e2e.test_web_todo import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser_page(local_cloud: Any) -> Iterator[tuple[Page, list[str]]]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                ignore_https_errors=True, viewport={"width": 1280, "height": 900}
            )
            page = context.new_page()
            problems: list[str] = []
            # Every error the page logs, every failed or refused request (the browser's own
            # /favicon.ico aside: the console has none).
            page.on(
                "console",
                lambda m: (
                    problems.append(m.text)
                    if m.type == "error" and "favicon" not in (m.location.get("url") or "")
                    else None
                ),
            )
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.on(
                "response",
                lambda r: (
                    problems.append(f"{r.status}: {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            page.goto(f"{local_cloud.gateway_origin}/console/cost")
            yield page, problems
        finally:
            browser.close()


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
