"""The to-do web client signs in through the user pool's hosted UI (authorization code with
PKCE), driven in Debian's headless Chromium: the app's button, the hosted UI's own form, the
redirect back with a code, the exchange at the token endpoint, then the user's to-dos."""

from __future__ import annotations

import secrets
from typing import Any

from playwright.sync_api import Browser, expect
from tests.e2e.test_web_todo import phone_page, pinned_browser  # noqa: F401  (fixture)
from tests.integration.conftest import PASSWORD, aws_client


def test_web_client_signs_in_with_the_hosted_ui(pinned_browser: Browser, local_cloud: Any) -> None:  # noqa: F811
    email = f"hosted-{secrets.token_hex(4)}@example.com"
    idp = aws_client(local_cloud, "cognito-idp")
    client_id = local_cloud.stack_output("UserPoolClientId")
    idp.sign_up(
        ClientId=client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.confirm_sign_up(
        ClientId=client_id, Username=email, ConfirmationCode=local_cloud.confirmation_code(email)
    )
    page = phone_page(pinned_browser)
    page.goto(local_cloud.web_url)
    page.get_by_test_id("hosted-signin").tap()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "/_stratus/domains/" in page.url and "/login?" in page.url
    assert "code_challenge_method=S256" in page.url
    page.get_by_label("Username").fill(email)
    page.get_by_label("Password").fill("Wrong-password-1!")
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("alert")).to_have_text("Incorrect username or password.")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", name="Your to-dos")).to_be_visible()
    expect(page.get_by_test_id("whoami")).to_have_text(email)
    assert "code=" not in page.url  # the single-use code is dropped from the address bar
    page.get_by_label("New to-do").fill("Signed in through the hosted UI")
    page.get_by_test_id("todo-add").tap()
    expect(page.get_by_test_id("todo-item")).to_have_count(1)
