"""The blog through the running local cloud: seeded site, an author publishing, listing,
subscribing from the mail in the SES inbox, comments with sign-in, bad input."""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import LocalCloudHandle, unique_email
from tests.integration.conftest import PASSWORD, aws_client

pytestmark = pytest.mark.integration


def _sign_in(cloud: LocalCloudHandle, email: str, *, author: bool = False) -> dict[str, str]:
    idp = aws_client(cloud, "cognito-idp")
    client_id = cloud.stack_output("BlogUserPoolClientId")
    idp.sign_up(
        ClientId=client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    idp.confirm_sign_up(
        ClientId=client_id, Username=email, ConfirmationCode=cloud.confirmation_code(email)
    )
    if author:
        idp.admin_add_user_to_group(
            UserPoolId=cloud.stack_output("BlogUserPoolId"), Username=email, GroupName="authors"
        )
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return {"Authorization": tokens["IdToken"]}


@pytest.fixture(scope="module")
def blog(local_cloud: LocalCloudHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=str(local_cloud.stack_output("BlogApiUrl")).rstrip("/"),
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)),
        timeout=35,
    ) as client:
        yield client


@pytest.fixture(scope="module")
def author(local_cloud: LocalCloudHandle) -> dict[str, str]:
    return _sign_in(local_cloud, unique_email("author"), author=True)


@pytest.fixture(scope="module")
def reader(local_cloud: LocalCloudHandle) -> dict[str, str]:
    return _sign_in(local_cloud, unique_email("reader"))


def _site_object(cloud: LocalCloudHandle, key: str) -> dict[str, Any]:
    s3 = aws_client(cloud, "s3")
    return s3.get_object(Bucket=cloud.stack_output("SiteBucketName"), Key=key)  # type: ignore[no-any-return]


def test_fresh_cloud_serves_sample_posts_in_three_languages(
    local_cloud: LocalCloudHandle, blog: httpx.Client
) -> None:
    for lang, slug in (("en", "welcome"), ("fr", "bienvenue"), ("de", "willkommen")):
        page = blog.get("/api/posts", params={"lang": lang, "tag": "meta"})
        assert page.status_code == 200, page.text
        assert slug in [p["slug"] for p in page.json()["items"]]
        html = _site_object(local_cloud, f"{lang}/posts/{slug}/index.html")
        assert html["ContentLanguage"] == lang
        assert f'<html lang="{lang}">' in html["Body"].read().decode()
    detail = blog.get("/api/posts/welcome")
    assert {t["lang"] for t in detail.json()["translations"]} == {"fr", "de"}


def test_author_publishes_and_the_site_files_follow(
    local_cloud: LocalCloudHandle,
    blog: httpx.Client,
    author: dict[str, str],
    reader: dict[str, str],
) -> None:
    tag = f"t{secrets.token_hex(4)}"
    slug = f"post-{tag}"
    body = {"slug": slug, "title": "Hello <world>", "lang": "de", "tags": [tag],
            "body": "Hallo *Welt* <script>alert(1)</script> [x](javascript:alert(1))"}  # fmt: skip
    assert blog.post("/api/admin/posts", json=body, headers=reader).status_code == 403
    created = blog.post("/api/admin/posts", json=body, headers=author)
    assert created.status_code == 201, created.text
    assert blog.get(f"/api/posts/{slug}").status_code == 404  # a draft is not public
    published = blog.post(f"/api/admin/posts/{slug}/publish", headers=author)
    assert published.status_code == 200, published.text
    changed = published.json()["changed"]
    assert {f"/de/posts/{slug}/index.html", f"/de/tags/{tag}/index.html", "/de/index.html",
            "/de/feed.xml", "/de/atom.xml"} <= set(changed)  # fmt: skip
    assert all(p.startswith("/de/") for p in changed)  # other languages untouched
    page = _site_object(local_cloud, f"de/posts/{slug}/index.html")
    assert page["ContentLanguage"] == "de" and "s-maxage" in page["CacheControl"]
    html = page["Body"].read().decode()
    assert (
        "Hello &lt;world&gt;" in html and "<script>" not in html and 'href="javascript' not in html
    )
    listed = blog.get("/api/posts", params={"tag": tag})
    assert [p["slug"] for p in listed.json()["items"]] == [slug]
    assert listed.headers["cache-control"].startswith("public")
    gone = blog.post(f"/api/admin/posts/{slug}/unpublish", headers=author)
    assert gone.status_code == 200 and f"/de/posts/{slug}/index.html" in gone.json()["changed"]


def test_pagination_with_the_opaque_cursor(blog: httpx.Client) -> None:
    first = blog.get("/api/posts", params={"limit": "1", "lang": "en"}).json()
    assert len(first["items"]) == 1 and first["next"]
    second = blog.get("/api/posts", params={"limit": "1", "lang": "en", "cursor": first["next"]})
    assert second.status_code == 200
    assert not {p["slug"] for p in second.json()["items"]} & {p["slug"] for p in first["items"]}
    forged = blog.get("/api/posts", params={"lang": "fr", "cursor": first["next"]})
    assert forged.status_code == 400 and forged.json()["details"]["field"] == "cursor"


def test_subscribe_confirm_from_the_mail_in_the_inbox(
    local_cloud: LocalCloudHandle, blog: httpx.Client
) -> None:
    email = unique_email("subscriber")
    answer = blog.post("/api/subscriptions", json={"email": email, "name": "Zoé", "lang": "fr"})
    assert answer.status_code == 202, answer.text
    inbox = httpx.get(f"{local_cloud.aws_endpoint}/_aws/ses", params={"to": email}).json()
    message = inbox["messages"][-1]
    text = message["Body"]["text_part"]
    assert "Bonjour Zoé" in text and "Bienvenue" in message["Subject"]
    confirm_url = next(w for w in text.split() if "/api/subscriptions/confirm?token=" in w)
    token = confirm_url.split("token=")[1]
    confirmed = blog.get("/api/subscriptions/confirm", params={"token": token})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    bad = blog.get("/api/subscriptions/confirm", params={"token": token[:-4] + "AAAA"})
    assert bad.status_code == 400
    assert blog.get("/api/subscriptions/unsubscribe", params={"token": token}).status_code == 400


def test_comments_need_sign_in_and_are_sanitised(
    blog: httpx.Client, reader: dict[str, str]
) -> None:
    path = "/api/posts/welcome/comments"
    assert blog.post(path, json={"body": "hi"}).status_code == 401
    posted = blog.post(path, json={"body": "<img src=x onerror=alert(1)> **nice**"}, headers=reader)
    assert posted.status_code == 201, posted.text
    assert "<img" not in posted.json()["html"] and "<strong>nice</strong>" in posted.json()["html"]
    listed = blog.get(path)
    assert posted.json()["id"] in [c["id"] for c in listed.json()["items"]]


@pytest.mark.parametrize(("method", "path", "payload"), [
    ("GET", "/api/posts/..%2F..%2Fetc", None),
    ("GET", "/api/posts/UPPER", None),
    ("GET", "/api/posts?lang=xx", None),
    ("POST", "/api/subscriptions", {"email": "nope"}),
    ("POST", "/api/subscriptions", {"email": "a@example.com", "name": "x" * 101}),
    ("GET", "/api/subscriptions/confirm", None),
    ("GET", "/api/subscriptions/confirm?token=abc.def", None),
])  # fmt: skip
def test_bad_input_is_4xx_never_500(
    blog: httpx.Client, method: str, path: str, payload: Any
) -> None:
    answer = blog.request(method, path, json=payload)
    assert 400 <= answer.status_code < 500, answer.text


def test_oversized_and_malformed_bodies(blog: httpx.Client, author: dict[str, str]) -> None:
    headers = {**author, "Content-Type": "application/json"}
    assert blog.post("/api/admin/posts", content=b"{nope", headers=headers).status_code == 400
    huge = b'{"slug": "big", "title": "t", "body": "' + b"x" * 300_000 + b'"}'
    assert blog.post("/api/admin/posts", content=huge, headers=headers).status_code == 413
