"""Chromium for the console's browser tests: one browser per test module, and pages that
collect what would be a defect of the console itself — a script error, a
Content-Security-Policy violation, a failed request, a response of 400 or more the test
did not expect (Chromium's own /favicon.ico probe aside: the console has none)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, sync_playwright
from tests.e2e.test_web_todo import CHROMIUM, CHROMIUM_ARGS

VIEWPORT = {"width": 1280, "height": 900}
# (url, status) -> whether a response of 400 or more is expected by the test (not a problem)
Expected = Callable[[str, int], bool]


def nothing_expected(url: str, status: int) -> bool:
    return False


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (browsers cannot be downloaded here), closed at the end."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def watched_page(
    browser: Browser, *, expected: Expected = nothing_expected, timeout_ms: int = 15_000
) -> Iterator[tuple[Page, list[str]]]:
    """A page over the gateway's HTTPS (the local CA's certificate) and the problems seen on
    it; a failed load is named by its response, not by Chromium's console line about it."""
    context = browser.new_context(ignore_https_errors=True, viewport=VIEWPORT)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400
            and not r.url.endswith("/favicon.ico")
            and not expected(r.url, r.status)
            else None
        ),
    )
    try:
        yield page, problems
    finally:
        context.close()
