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
from playwright.sync_api import Browser, Page, expect
from tests.e2e.console_browser import chromium, watched_page
from tests.e2e.test_web_todo import ARTIFACTS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _refusals_expected(url: str, status: int) -> bool:
    """The 400 of a refused form is the test's point; the console's static files must load."""
    return "/console/static/" not in url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with watched_page(browser, expected=_refusals_expected, timeout_ms=30_000) as (
        opened,
        problems,
    ):
        yield opened
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
