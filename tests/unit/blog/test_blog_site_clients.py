"""What the reader site and the author page need from the site files and the API:
content-hashed assets, no inline script, a language switch to the same post's translations,
the server-side Markdown preview, and mail links that answer a browser with a page."""

from __future__ import annotations

import re
from typing import Any

from blog_cloud import BUCKET, Cloud, sent_mail
from blog_harness import READER, author_call, call, event
from test_blog_api import new_post, publish

from stratus.blog.site import ASSET_CACHE_CONTROL, asset_files, asset_path


def test_pages_link_content_hashed_assets_written_as_immutable(cloud: Cloud, admin: Any) -> None:
    new_post(admin, "styled")
    result = publish(admin, "styled")
    for file in asset_files():
        assert file.path in result["changed"]
        stored = cloud.s3.get_object(Bucket=BUCKET, Key=file.path.lstrip("/"))
        assert stored["CacheControl"] == ASSET_CACHE_CONTROL
        assert stored["Body"].read() == file.body
    page = cloud.s3.get_object(Bucket=BUCKET, Key="en/posts/styled/index.html")["Body"].read()
    html = page.decode()
    assert f'src="{asset_path("site.js")}"' in html and f'href="{asset_path("site.css")}"' in html
    # CSP `script-src 'self'` / `style-src 'self'`: no inline script, style or handler.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and not re.search(r"\son[a-z]+=", html)
    assert re.fullmatch(r"/assets/site\.[0-9a-f]{12}\.js", asset_path("site.js"))


def test_language_switch_leads_to_the_posts_translation(cloud: Cloud, admin: Any) -> None:
    new_post(admin, "switch-en", translation_key="switch")
    new_post(admin, "switch-de", lang="de", translation_key="switch")
    publish(admin, "switch-en")
    publish(admin, "switch-de")
    en = cloud.s3.get_object(Bucket=BUCKET, Key="en/posts/switch-en/index.html")["Body"].read()
    nav = en.decode().split('data-testid="language-switch"')[1].split("</nav>")[0]
    assert 'href="/de/posts/switch-de/"' in nav and 'data-set-lang="de"' in nav
    assert 'href="/fr/"' in nav  # no French translation: the French index
    assert 'data-slug="switch-en"' in en.decode()  # the comments section knows its post


def test_preview_renders_sanitised_html_for_authors_only(admin: Any) -> None:
    body = {"body": "# Hi\n\n*there* <script>alert(1)</script> [x](javascript:alert(1))"}
    status, preview, headers = author_call(admin, "POST", "/api/admin/preview", body)
    assert status == 200, preview
    assert "<h1>Hi</h1>" in preview["html"] and "<em>there</em>" in preview["html"]
    assert "<script>" not in preview["html"] and 'href="javascript' not in preview["html"]
    assert headers["cache-control"] == "no-store"
    assert call(admin, "POST", "/api/admin/preview", body, sub=READER)[0] == 403
    assert author_call(admin, "POST", "/api/admin/preview", {"body": ""})[0] == 400


def test_confirm_link_opened_in_a_browser_gets_a_page(cloud: Cloud, public: Any) -> None:
    from todo_harness import FakeLambdaContext

    assert call(public, "POST", "/api/subscriptions", {"email": "web@example.com"})[0] == 202
    token = sent_mail(cloud)[-1]["confirm_url"].split("token=")[1]
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    answer = public.resolve(
        event("GET", "/api/subscriptions/confirm", query={"token": token}, headers=browser),
        FakeLambdaContext(),
    )
    assert answer["statusCode"] == 200
    assert "text/html" in str(answer.get("headers") or answer.get("multiValueHeaders"))
    assert "subscription is confirmed" in answer["body"]
    # A JSON client still gets JSON.
    status, body, _ = call(public, "GET", "/api/subscriptions/confirm", query={"token": token})
    assert status == 200 and body["status"] == "confirmed"
