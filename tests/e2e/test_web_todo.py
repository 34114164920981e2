"""The mobile web client, driven in Debian's headless Chromium on a phone-sized screen.

TLS: Chromium is told to accept exactly the gateway's certificate, by the SHA-256 of its
public key (`--ignore-certificate-errors-spki-list`), rather than `ignore_https_errors=True`,
so any other certificate problem still fails the test.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
PHONE: ViewportSize = {"width": 390, "height": 844}
PASSWORD = "Corr3ct-Horse!"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def spki_sha256(origin: str, ca_pem: Path) -> str:
    """Base64 SHA-256 of the gateway certificate's public key, taken over a connection that
    verified it against the local CA (so we only ever pin the certificate the CA issued)."""
    parts = urlsplit(origin)
    host, port = parts.hostname or "127.0.0.1", parts.port or 443
    context = ssl.create_default_context(cafile=str(ca_pem))
    # `*.localhost` is loopback (RFC 6761 6.3): Chromium and curl know it, the C resolver
    # here may not; connect to 127.0.0.1 and still verify the name by SNI.
    address = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    with (
        socket.create_connection((address, port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    cert = x509.load_der_x509_certificate(der)
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.fixture(scope="module")
def pinned_browser(local_cloud: Any) -> Iterator[Browser]:
    pin = spki_sha256(local_cloud.web_url, local_cloud.ca_pem)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={pin}"],
        )
        yield browser
        browser.close()


def phone_page(browser: Browser) -> Page:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
        ignore_https_errors=False,
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_up_and_in(page: Page, web_url: str, email: str, code_for: Callable[[str], str]) -> None:
    page.goto(web_url)
    page.get_by_test_id("goto-signup").tap()
    signup = page.get_by_role("region", name="Create an account")
    expect(signup.get_by_role("heading")).to_be_focused()
    signup.get_by_label("Email").fill(email)
    signup.get_by_label("Password").fill(PASSWORD)
    signup.get_by_role("button", name="Sign up").tap()

    confirm = page.get_by_role("region", name="Confirm your email")
    expect(confirm.get_by_role("heading")).to_be_focused()
    confirm.get_by_label("Confirmation code").fill(code_for(email))
    confirm.get_by_role("button", name="Confirm").tap()

    signin = page.get_by_role("region", name="Sign in")
    expect(signin.get_by_label("Email")).to_have_value(email)
    signin.get_by_label("Password").fill(PASSWORD)
    signin.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name="Your to-dos")).to_be_visible()
    expect(page.get_by_test_id("whoami")).to_have_text(email)


def todo_round_trip(page: Page) -> None:
    items = page.get_by_test_id("todo-item")
    page.get_by_label("New to-do").fill("Buy milk")
    page.get_by_test_id("todo-add").tap()
    expect(items).to_have_count(1)
    page.get_by_label("New to-do").fill("Call the plumber")
    page.get_by_test_id("todo-add").tap()
    expect(items).to_have_count(2)

    milk = items.filter(has_text="Buy milk")
    milk.get_by_role("checkbox", name="Buy milk").tap()
    expect(milk).to_have_class("done")
    page.reload()  # the server kept it, not just the page
    expect(items.filter(has_text="Buy milk").get_by_role("checkbox")).to_be_checked()

    page.get_by_role("button", name="Delete “Call the plumber”").tap()
    expect(items).to_have_count(1)
    expect(page.get_by_test_id("status")).to_have_text("Deleted “Call the plumber”")


def empty_title_shows_the_apis_error(page: Page) -> None:
    page.get_by_label("New to-do").fill("   ")
    page.get_by_test_id("todo-add").tap()
    expect(page.get_by_test_id("error")).to_be_visible()
    expect(page.get_by_test_id("error")).to_contain_text("title")


def upload_file(page: Page, tmp_path: Path) -> None:
    note = tmp_path / "groceries.txt"
    note.write_text("milk, eggs, bread\n")
    page.get_by_label("Choose a file").set_input_files(note)
    page.get_by_test_id("file-upload").tap()
    expect(page.get_by_test_id("file-item").filter(has_text="groceries.txt")).to_be_visible()
    expect(page.get_by_test_id("file-item").filter(has_text="groceries.txt")).to_contain_text(
        "18 B"
    )


def run_flow(
    browser: Browser, web_url: str, email: str, code_for: Callable[[str], str], tmp: Path
) -> Page:
    page = phone_page(browser)
    sign_up_and_in(page, web_url, email, code_for)
    todo_round_trip(page)
    empty_title_shows_the_apis_error(page)
    upload_file(page, tmp)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "todo-phone.png"), full_page=True)
    return page


def test_phone_user_signs_up_manages_todos_and_uploads_a_file(
    pinned_browser: Browser, local_cloud: Any, tmp_path: Path
) -> None:
    email = f"web-{secrets.token_hex(4)}@example.com"
    page = run_flow(
        pinned_browser, local_cloud.web_url, email, local_cloud.confirmation_code, tmp_path
    )
    # Nothing overflows sideways on a 390 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
