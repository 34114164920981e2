"""The console's APIs and Distributions pages in Debian's headless Chromium, against the
running product: the todo API is listed, a request this test sends shows up in its recent
requests with its status, the blog's distribution is listed with its behaviours, and an
invalidation sent from the page's form empties the edge's cache (the next request for that
path is a Miss). No page breaks its Content-Security-Policy."""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from tests.e2e.test_web_todo import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # The console is served over the gateway's HTTPS with the local CA's certificate.
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    # A CSP violation is a console error; a status (the 400 of a refused form, the browser's
    # own /favicon.ico 404) is not ours to fail on, but the console's static files must load.
    opened.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    opened.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if "/console/static/" in r.url and r.status >= 400
            else None
        ),
    )
    yield opened
    context.close()
    assert problems == [], problems


def _https(local_cloud: Any) -> httpx.Client:
    return httpx.Client(
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)), timeout=35
    )


def _todo_api(local_cloud: Any) -> tuple[str, str]:
    """(api id, stage URL) of the todo REST API, from its stack output."""
    url = str(local_cloud.stack_output("TodoApiUrl"))
    parts = urlsplit(url).path.split("/")  # ["", "restapis", id, stage, ""]
    return parts[2], url if url.endswith("/") else url + "/"


def test_apis_page_lists_the_todo_api_with_its_stage_url(local_cloud: Any, page: Page) -> None:
    api_id, url = _todo_api(local_cloud)
    page.goto(f"{local_cloud.gateway_origin}/console/apis")
    expect(page.locator("h1")).to_have_text("APIs")
    link = page.locator(f'a[href="/console/apis/{api_id}"]')
    expect(link).to_have_count(1)
    assert link.inner_text().endswith("-todo")
    expect(page.locator("table.apis")).to_contain_text(url)


def test_a_request_shows_up_in_the_apis_recent_requests(local_cloud: Any, page: Page) -> None:
    api_id, url = _todo_api(local_cloud)
    probe = f"console-probe-{secrets.token_hex(4)}"
    with _https(local_cloud) as client:
        answered = client.get(f"{url}todos/{probe}")  # no token: the authorizer's 401
    assert answered.status_code == 401, answered.text
    page.goto(f"{local_cloud.gateway_origin}/console/apis/{api_id}")
    expect(page.locator("table.routes")).to_contain_text("/todos/{id}")
    expect(page.locator("table.routes")).to_contain_text("COGNITO_USER_POOLS")
    row = page.locator("table.recent tbody tr", has_text=probe)
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(2)).to_have_text("GET")
    expect(cells.nth(3)).to_have_text(f"/todos/{probe}")
    expect(cells.nth(4)).to_have_text("401")
    expect(page.locator("svg.hit-chart")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-api.png"), full_page=True)


def test_the_blogs_distribution_is_listed(local_cloud: Any, page: Page) -> None:
    distribution_id = str(local_cloud.stack_output("DistributionId"))
    page.goto(f"{local_cloud.gateway_origin}/console/distributions")
    link = page.locator(f'a[href="/console/distributions/{distribution_id}"]')
    expect(link).to_have_text(distribution_id)
    section = page.locator("section.distribution", has=link)
    expect(section).to_contain_text("/api/*")  # the API behaviour beside the site's
    expect(section).to_contain_text("PriceClass_")


def test_an_invalidation_from_the_page_empties_the_cache_for_its_paths(
    local_cloud: Any, page: Page
) -> None:
    distribution_id = str(local_cloud.stack_output("DistributionId"))
    site = f"{local_cloud.edge_origin}/_stratus/distributions/{distribution_id}"
    with _https(local_cloud) as client:
        client.get(f"{site}/en/")
        cached = client.get(f"{site}/en/")
        assert cached.status_code == 200 and cached.headers["x-cache"].startswith("Hit")
        page.goto(f"{local_cloud.gateway_origin}/console/distributions/{distribution_id}")
        recent = page.locator("table.recent tbody tr", has_text="/en/")
        expect(recent.first).to_contain_text("Hit")
        page.locator("#paths").fill("/en/*")
        page.get_by_role("button", name="Create invalidation").click()
        result = page.locator("div.result")
        expect(result).to_contain_text("Completed")
        text = result.inner_text()
        before = int(text.split(" cached object(s) matched")[0].rsplit(" ", 1)[-1])
        assert before >= 1 and "before, 0 now" in text, text
        expect(page.locator("table.invalidations")).to_contain_text("/en/*")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "console-distribution.png"), full_page=True)
        after = client.get(f"{site}/en/")
        assert after.status_code == 200
        assert after.headers["x-cache"].startswith("Miss"), after.headers["x-cache"]


def test_a_bad_invalidation_path_is_refused_on_the_page(local_cloud: Any, page: Page) -> None:
    distribution_id = str(local_cloud.stack_output("DistributionId"))
    page.goto(f"{local_cloud.gateway_origin}/console/distributions/{distribution_id}")
    page.locator("#paths").fill("/en/*.html")
    page.get_by_role("button", name="Create invalidation").click()
    expect(page.locator("div.error")).to_contain_text("* may only be the last character")
