"""The blog in Debian's headless Chromium: a reader on a phone switches a post's language,
subscribes and confirms from the mail in the local SES inbox; an author signs in on a
laptop-sized screen, writes with the live preview, publishes, and a reader sees the post.

Where the site is read from is decided in one place (`blog_site.site_origin`): the edge's
`SiteUrl` when the stack has one, a bucket-plus-API stand-in until then. TLS as in the to-do
browser test: Chromium accepts exactly the local certificates, pinned by public key.
"""

from __future__ import annotations

import re
import secrets
import ssl
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright
from tests.e2e.blog_site import site_origin
from tests.e2e.test_web_todo import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PHONE, spki_sha256

pytestmark = pytest.mark.e2e

LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PASSWORD = "Corr3ct-Horse!"
CONFIRM_LINK = re.compile(r"https?://[^\s\"'<>]+/api/subscriptions/confirm\?token=[^\s\"'<>]+")


@pytest.fixture(scope="module")
def site(local_cloud: Any) -> Iterator[str]:
    with site_origin(local_cloud) as origin:
        yield origin


@pytest.fixture(scope="module")
def browser(local_cloud: Any, site: str) -> Iterator[Browser]:
    pins = [spki_sha256(local_cloud.gateway_origin, local_cloud.ca_pem)]
    if site.startswith("https://"):
        pins.append(spki_sha256(site, local_cloud.ca_pem))
    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={','.join(pins)}"],
        )
        yield launched
        launched.close()


def new_page(browser: Browser, viewport: ViewportSize, *, phone: bool) -> Page:
    context = browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, device_scale_factor=2 if phone else 1
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def idp(cloud: Any) -> Any:
    return boto3.client(
        "cognito-idp", endpoint_url=cloud.aws_endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip


def make_author(cloud: Any) -> str:
    email = f"author-{secrets.token_hex(4)}@example.com"
    client, client_id = idp(cloud), cloud.stack_output("BlogUserPoolClientId")
    client.sign_up(
        ClientId=client_id, Username=email, Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )  # fmt: skip
    client.confirm_sign_up(
        ClientId=client_id, Username=email, ConfirmationCode=cloud.confirmation_code(email)
    )
    client.admin_add_user_to_group(
        UserPoolId=cloud.stack_output("BlogUserPoolId"), Username=email, GroupName="authors"
    )
    return email


def confirm_link(cloud: Any, email: str) -> str:
    inbox = httpx.get(f"{cloud.aws_endpoint}/_aws/ses", params={"to": email}, timeout=10).json()
    for message in reversed(inbox["messages"]):
        body = message.get("Body") or {}
        found = CONFIRM_LINK.search(f"{body.get('text_part') or ''} {body.get('html_part') or ''}")
        if found:
            return found.group(0).replace("&amp;", "&")
    raise AssertionError(f"no confirm link in the mail to {email}: {inbox}")


def test_reader_switches_a_post_between_english_and_french(browser: Browser, site: str) -> None:
    page = new_page(browser, PHONE, phone=True)
    page.goto(f"{site}/en/posts/welcome/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    title_en = page.get_by_role("heading", level=1).inner_text()
    page.get_by_test_id("language-switch").get_by_role("link", name="Français").tap()
    expect(page).to_have_url(re.compile(r"/fr/posts/bienvenue/$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert page.get_by_role("heading", level=1).inner_text() != title_en
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("lang") == "fr"  # the edge serves French from now on
    # The page's own stylesheet applied (no external resources), nothing overflows a phone.
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.get_by_test_id("comments-status")).to_have_text(re.compile(r"\S"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "blog-post-phone.png"), full_page=True)
    page.context.close()


def test_reader_subscribes_and_confirms_from_the_inbox(
    browser: Browser, site: str, local_cloud: Any
) -> None:
    email = f"reader-{secrets.token_hex(4)}@example.com"
    page = new_page(browser, PHONE, phone=True)
    page.goto(f"{site}/de/")
    form = page.get_by_test_id("subscribe")
    form.get_by_label("E-Mail").fill(email)
    form.get_by_label("Name (optional)").fill("Grete")
    form.get_by_role("button", name="Abonnieren").tap()
    expect(page.get_by_test_id("subscribe-status")).to_contain_text("Danke")
    # The link names the site the reader uses (the distribution, from the API's run-time
    # site-url parameter); the browser follows it as it is.
    link = confirm_link(local_cloud, email)
    assert link.startswith(f"{site}/api/subscriptions/confirm?token="), link
    page.goto(link)
    expect(page.get_by_test_id("subscription-status")).to_contain_text("confirmed")
    page.context.close()


def test_reader_signs_up_on_the_site_and_comments_and_markup_shows_as_text(
    browser: Browser, site: str, local_cloud: Any
) -> None:
    email = f"commenter-{secrets.token_hex(4)}@example.com"
    page = new_page(browser, PHONE, phone=True)
    page.goto(f"{site}/en/posts/welcome/")
    signin, form = page.get_by_test_id("comment-signin"), page.get_by_test_id("comment-form")
    # Signed out: the sign-in prompt (it appears once /config.json is read), never the form.
    expect(signin).to_be_visible()
    expect(signin).to_contain_text("Sign in to comment.")
    expect(form).to_be_hidden()

    signin.get_by_label("Email").fill(email)
    signin.get_by_label("Password").fill(PASSWORD)
    signin.get_by_role("button", name="Create an account").tap()
    expect(page.get_by_test_id("comments-status")).to_have_text(
        "We mailed you a confirmation code."
    )
    signin.get_by_label("Confirmation code").fill(local_cloud.confirmation_code(email))
    signin.get_by_role("button", name="Confirm", exact=True).tap()
    expect(form).to_be_visible()
    expect(signin).to_be_hidden()
    expect(page.get_by_test_id("comment-whoami")).to_contain_text(email)

    kind = f"kind-{secrets.token_hex(3)}"
    form.get_by_label("Your comment").fill(f"Lovely post, **{kind}**!")
    form.get_by_role("button", name="Send").tap()
    mine = page.get_by_test_id("comment").filter(has_text=kind)
    expect(mine).to_have_count(1)
    expect(mine.locator("strong")).to_have_text(kind)

    # Markup typed into the form: the edge's web ACL (AWS managed rules, XSS in the body)
    # refuses it with a 403, which the page explains; nothing is stored.
    rude = f"rude-{secrets.token_hex(3)}"
    markup = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
    form.get_by_label("Your comment").fill(f"{rude} {markup}")
    form.get_by_role("button", name="Send").tap()
    expect(page.get_by_test_id("comments-status")).to_contain_text("refused this comment")
    expect(page.get_by_test_id("comment").filter(has_text=rude)).to_have_count(0)

    # The same markup sent to the API's own regional URL (no WAF there) is stored, and
    # every reader's page shows it as the text that was typed: no element, no script run.
    token = page.evaluate("JSON.parse(sessionStorage.getItem('myblog.tokens')).idToken")
    api = str(local_cloud.stack_output("BlogApiUrl")).rstrip("/")
    sent = httpx.post(
        f"{api}/api/posts/welcome/comments", json={"body": f"{rude} {markup}"},
        headers={"Authorization": token}, timeout=35,
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)),
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    for reader in (page, new_page(browser, PHONE, phone=True)):
        listed = reader.get_by_test_id("comment").filter(has_text=rude)
        for _ in range(15):  # the list the edge may keep (the API's `max-age=10`) expires
            reader.goto(f"{site}/en/posts/welcome/")
            reader.wait_for_load_state("networkidle")
            if listed.count():
                break
            reader.wait_for_timeout(1_000)
        expect(listed).to_contain_text(markup)
        expect(listed.locator("script, img")).to_have_count(0)
        assert reader.evaluate("window.pwned") is None
    page.screenshot(path=str(ARTIFACTS / "blog-comments-phone.png"), full_page=True)
    other = reader
    expect(other.get_by_test_id("comment-signin")).to_be_visible()  # signed out elsewhere
    expect(other.get_by_test_id("comment-form")).to_be_hidden()
    other.context.close()

    expect(form).to_be_visible()  # still signed in after reloading (session storage)
    form.get_by_role("button", name="Sign out").tap()
    expect(signin).to_be_visible()
    expect(form).to_be_hidden()
    page.context.close()


def test_author_writes_with_preview_publishes_and_a_reader_sees_it(
    browser: Browser, site: str, local_cloud: Any
) -> None:
    email = make_author(local_cloud)
    slug = f"from-the-browser-{secrets.token_hex(3)}"
    page = new_page(browser, LAPTOP, phone=False)
    page.goto(f"{local_cloud.gateway_origin}/apps/blog-author/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("whoami")).to_have_text(email)

    editor = page.get_by_test_id("editor")
    editor.get_by_label("Slug").fill(slug)
    editor.get_by_label("Title").fill("Written in Chromium")
    editor.get_by_label("Tags").fill("browser, e2e")
    markdown = "Hello from **the author page**.\n\n<script>alert(1)</script>"
    editor.get_by_label("Markdown").fill(markdown)
    preview = page.get_by_test_id("preview")
    expect(preview.locator("strong")).to_have_text("the author page")
    expect(preview.locator("script")).to_have_count(0)
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("Published “Written in Chromium”")
    expect(page.get_by_test_id("post-item").filter(has_text="Written in Chromium")).to_contain_text(
        "published"
    )
    page.screenshot(path=str(ARTIFACTS / "blog-author-laptop.png"), full_page=True)
    page.context.close()

    reader = new_page(browser, PHONE, phone=True)
    reader.goto(f"{site}/en/")
    reader.get_by_role("link", name="Written in Chromium").tap()
    expect(reader).to_have_url(re.compile(rf"/en/posts/{slug}/$"))
    expect(reader.locator("article strong")).to_have_text("the author page")
    expect(reader.get_by_role("link", name="#e2e")).to_be_visible()
    reader.context.close()
