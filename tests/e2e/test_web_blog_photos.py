"""A photo from the author page to a reader's screen, in Debian's headless Chromium: the
author picks a file, the page asks the API for a pre-signed POST, sends it to S3 with
progress, waits for the pipeline's variants and inserts the Markdown; the preview shows the
photo from the site; the post is published, and a reader opening it through the local
CloudFront edge sees the image loaded from `/photos/...` with the immutable cache header,
a second fetch being a cache hit at the edge.
"""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Response, expect
from tests.e2e.test_web_blog import (  # noqa: F401  (browser, site: fixtures)
    LAPTOP,
    PASSWORD,
    browser,
    make_author,
    new_page,
    site,
)
from tests.e2e.test_web_todo import ARTIFACTS, PHONE

pytestmark = pytest.mark.e2e

IMMUTABLE = "public, max-age=31536000, immutable"


def _photo(path: Path) -> Path:
    image = Image.new("RGB", (1600, 1000), (20, 90, 160))
    for x in range(0, 1600, 100):  # some structure, so it is a real photo-sized JPEG
        image.paste((200, 160, 40), (x, 400, x + 50, 600))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


def test_author_uploads_a_photo_publishes_and_a_reader_sees_it_from_the_edge(
    browser: Browser,  # noqa: F811
    site: str,  # noqa: F811
    local_cloud: Any,
    tmp_path: Path,
) -> None:
    if not site.startswith("https://"):
        pytest.fail("the blog stack has no SiteUrl: photos are served only by the edge")
    email = make_author(local_cloud)
    slug = f"photo-{secrets.token_hex(3)}"
    page = new_page(browser, LAPTOP, phone=False)
    page.goto(f"{local_cloud.gateway_origin}/apps/blog-author/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("whoami")).to_have_text(email)

    editor = page.get_by_test_id("editor")
    editor.get_by_label("Slug").fill(slug)
    editor.get_by_label("Title").fill("A photo from Chromium")
    editor.get_by_label("Markdown").fill("Look at this:\n")
    bad = tmp_path / "notes.txt"
    bad.write_text("not a photo")
    page.get_by_test_id("photo-input").set_input_files(str(bad))
    expect(page.get_by_test_id("error")).to_contain_text("not a JPEG, PNG, WebP or AVIF")

    page.get_by_test_id("photo-input").set_input_files(str(_photo(tmp_path / "Sea view.jpg")))
    expect(page.get_by_test_id("photo-status")).to_contain_text(
        "Added Sea view.jpg", timeout=60_000
    )
    expect(page.get_by_test_id("error")).to_be_hidden()
    markdown = editor.get_by_label("Markdown").input_value()
    found = re.search(r"!\[Sea view\]\((/photos/[0-9a-f]{32}/1280\.jpg)\)", markdown)
    assert found is not None, markdown
    preview_img = page.get_by_test_id("preview").locator("img")
    expect(preview_img).to_have_attribute("src", f"{site}{found[1]}")
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=preview] img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )

    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published “A photo from Chromium”")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "blog-author-photo.png"), full_page=True)
    page.context.close()

    reader = new_page(browser, PHONE, phone=True)
    photos: list[Response] = []
    reader.on("response", lambda r: photos.append(r) if "/photos/" in r.url else None)
    reader.goto(f"{site}/en/posts/{slug}/")
    image = reader.locator("article img")
    expect(image).to_have_attribute("alt", "Sea view")
    expect(image).to_have_attribute("srcset", re.compile(r"/640\.jpg 640w"))
    reader.wait_for_function(
        "() => { const i = document.querySelector('article img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    current = reader.evaluate("document.querySelector('article img').currentSrc")
    assert current.startswith(f"{site}/photos/"), current
    served = [r for r in photos if r.url == current]
    assert served and served[0].status == 200
    assert served[0].header_value("cache-control") == IMMUTABLE
    again = reader.evaluate(
        "async (u) => { const r = await fetch(u, {cache: 'no-store'});"
        " return [r.status, r.headers.get('x-cache'), r.headers.get('cache-control')]; }",
        current,
    )
    assert again == [200, "Hit from cloudfront", IMMUTABLE]
    reader.screenshot(path=str(ARTIFACTS / "blog-post-photo-phone.png"), full_page=True)
    reader.context.close()
