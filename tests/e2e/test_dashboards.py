"""A local CloudWatch dashboard in Debian's headless Chromium: the blog stack's dashboard
lays its widgets out on the grid, its graphs are visible SVG, and the page breaks none of
its own Content-Security-Policy (no script, nothing fetched)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright
from tests.e2e.test_web_todo import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

BASE = "/_stratus/cloudwatch/dashboards"


def test_blog_dashboard_is_drawn_in_chromium(local_cloud: Any) -> None:
    listed = httpx.get(f"{local_cloud.aws_endpoint}{BASE}?format=json", timeout=30).json()
    [name] = [d["name"] for d in listed["dashboards"] if d["name"].endswith("-blog")]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.goto(f"{local_cloud.aws_endpoint}{BASE}")
            page.get_by_role("link", name=name).click()
            expect(page.locator("h1").first).to_have_text(name)
            title = page.locator("#widget-0 h1")
            expect(title).to_be_visible()
            assert title.inner_text().startswith("MyBlog.com")
            graphs = page.locator("section[data-type=metric] svg.chart")
            expect(graphs).to_have_count(3)
            for index in range(3):
                box = graphs.nth(index).bounding_box()
                assert box is not None and box["width"] > 200 and box["height"] > 100
            first, second = (page.locator(f"#widget-{i}").bounding_box() for i in (1, 2))
            assert first is not None and second is not None
            assert abs(first["y"] - second["y"]) < 1 and second["x"] > first["x"] + first["width"]
            expect(page.locator("#widget-4 .alarms li")).to_have_count(6)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dashboard-blog.png"), full_page=True)
            assert problems == []
        finally:
            browser.close()
