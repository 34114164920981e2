"""The blog API over moto: authoring, publishing to the bucket, listing, comments, subscribing."""

from __future__ import annotations

from typing import Any

import pytest
from blog_cloud import BUCKET, Cloud, sent_mail
from blog_harness import AUTHOR, READER, author_call, call

from stratus.blog.publisher import invalidation_paths


def new_post(
    admin: Any, slug: str, lang: str = "en", tags: list[str] | None = None, **kw: Any
) -> Any:
    body = {"slug": slug, "title": f"Title {slug}", "body": f"Body of *{slug}*", "lang": lang,
            "tags": tags or [], **kw}  # fmt: skip
    status, post, _ = author_call(admin, "POST", "/api/admin/posts", body)
    assert status == 201, post
    return post


def publish(admin: Any, slug: str) -> dict[str, Any]:
    status, result, _ = author_call(admin, "POST", f"/api/admin/posts/{slug}/publish")
    assert status == 200, result
    return result  # type: ignore[no-any-return]


def invalidated(cloud: Cloud, invalidation_id: str) -> list[str]:
    found = cloud.cloudfront.get_invalidation(
        DistributionId=cloud.distribution_id, Id=invalidation_id
    )
    return sorted(found["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])


# -- authoring and publishing --------------------------------------------------------------
def test_publish_writes_pages_with_language_metadata_and_invalidates_them(
    cloud: Cloud, admin: Any
) -> None:
    new_post(admin, "hello", tags=["aws"])
    result = publish(admin, "hello")
    assert result["status"] == "published"
    assert {"/en/posts/hello/index.html", "/en/index.html", "/en/tags/aws/index.html",
            "/en/feed.xml", "/en/atom.xml", "/index.html"} <= set(result["changed"])  # fmt: skip
    page = cloud.s3.get_object(Bucket=BUCKET, Key="en/posts/hello/index.html")
    assert page["ContentLanguage"] == "en"
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert "s-maxage" in page["CacheControl"]
    html = page["Body"].read().decode()
    assert '<html lang="en">' in html and "Body of <em>hello</em>" in html
    assert invalidated(cloud, result["invalidation_id"]) == invalidation_paths(result["changed"])
    assert "/en/posts/hello/" in invalidated(cloud, result["invalidation_id"])


def test_republishing_unchanged_post_changes_and_invalidates_nothing(admin: Any) -> None:
    new_post(admin, "same")
    publish(admin, "same")
    again = publish(admin, "same")
    assert again["changed"] == [] and again["invalidation_id"] is None


def test_second_post_invalidates_exactly_the_changed_paths(cloud: Cloud, admin: Any) -> None:
    new_post(admin, "first", tags=["aws"])
    publish(admin, "first")
    cloud.clock.advance(60)
    new_post(admin, "second", lang="fr", tags=["cuisine"])
    result = publish(admin, "second")
    # Only French files changed: the English pages, tags and feeds are untouched.
    assert all(p.startswith("/fr/") for p in result["changed"]), result["changed"]
    assert "/fr/tags/cuisine/index.html" in result["changed"]
    fr = cloud.s3.get_object(Bucket=BUCKET, Key="fr/index.html")
    assert fr["ContentLanguage"] == "fr" and '<html lang="fr">' in fr["Body"].read().decode()


def test_unpublish_deletes_the_page_and_tag_page(cloud: Cloud, admin: Any) -> None:
    new_post(admin, "gone", tags=["old"])
    publish(admin, "gone")
    status, result, _ = author_call(admin, "POST", "/api/admin/posts/gone/unpublish")
    assert status == 200 and result["status"] == "draft"
    assert {"/en/posts/gone/index.html", "/en/tags/old/index.html"} <= set(result["changed"])
    keys = {o["Key"] for o in cloud.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert "en/posts/gone/index.html" not in keys and "en/tags/old/index.html" not in keys


def test_translations_link_to_each_other(cloud: Cloud, admin: Any, public: Any) -> None:
    new_post(admin, "hello-en", translation_key="hello")
    new_post(admin, "bonjour", lang="fr", translation_key="hello")
    publish(admin, "hello-en")
    publish(admin, "bonjour")
    en = cloud.s3.get_object(Bucket=BUCKET, Key="en/posts/hello-en/index.html")["Body"].read()
    assert b'href="/fr/posts/bonjour/"' in en
    status, detail, _ = call(public, "GET", "/api/posts/bonjour")
    assert status == 200 and detail["translations"] == [
        {"lang": "en", "slug": "hello-en", "title": "Title hello-en"}
    ]


def test_feeds_are_well_formed_xml(cloud: Cloud, admin: Any) -> None:
    import xml.etree.ElementTree as ET

    new_post(admin, "feed-me", title="Fish & <chips>")
    publish(admin, "feed-me")
    for key in ("en/feed.xml", "en/atom.xml"):
        root = ET.fromstring(cloud.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        assert "Fish & <chips>" in ET.tostring(root, encoding="unicode").replace(
            "&amp;", "&"
        ).replace("&lt;", "<").replace("&gt;", ">")


def test_update_of_published_post_republishes(cloud: Cloud, admin: Any) -> None:
    new_post(admin, "edit-me")
    publish(admin, "edit-me")
    status, result, _ = author_call(
        admin, "PUT", "/api/admin/posts/edit-me", {"title": "New title"}
    )
    assert status == 200 and "/en/posts/edit-me/index.html" in result["changed"]
    page = cloud.s3.get_object(Bucket=BUCKET, Key="en/posts/edit-me/index.html")["Body"].read()
    assert b"New title" in page


def test_reader_cannot_use_author_routes(admin: Any) -> None:
    body = {"slug": "nope", "title": "t", "body": "b"}
    assert call(admin, "POST", "/api/admin/posts", body, sub=READER)[0] == 403
    assert call(admin, "POST", "/api/admin/posts", body, sub=READER, groups="readers")[0] == 403
    assert call(admin, "POST", "/api/admin/posts", body)[0] == 401
    assert (
        call(admin, "POST", "/api/admin/posts", body, sub=AUTHOR, groups="[readers authors]")[0]
        == 201
    )


def test_duplicate_slug_is_409(admin: Any) -> None:
    new_post(admin, "dup")
    status, body, _ = author_call(
        admin, "POST", "/api/admin/posts", {"slug": "dup", "title": "t", "body": "b"}
    )
    assert status == 409, body


@pytest.mark.parametrize("slug", ["..", "a..b", "A", "a/b", "a%2Fb", "-a", "a-", "x" * 81, "é"])
def test_bad_slugs_are_400(admin: Any, public: Any, slug: str) -> None:
    status, body, _ = author_call(
        admin, "POST", "/api/admin/posts", {"slug": slug, "title": "t", "body": "b"}
    )
    assert status == 400 and body["details"]["field"] == "slug"
    status, body, _ = call(public, "GET", f"/api/posts/{slug}")
    assert status in (400, 404)


@pytest.mark.parametrize("body", [
    {"slug": "ok", "title": "", "body": "b"},
    {"slug": "ok", "title": "t", "body": ""},
    {"slug": "ok", "title": "t", "body": "b", "lang": "es"},
    {"slug": "ok", "title": "t", "body": "b", "tags": ["Bad Tag"]},
    {"slug": "ok", "title": "t", "body": "b", "tags": [f"t{i}" for i in range(9)]},
    {"slug": "ok", "title": "t", "body": "b", "status": "published"},
    {"slug": "ok", "title": "t" * 201, "body": "b"},
    [1, 2],
])  # fmt: skip
def test_invalid_post_bodies_are_400(admin: Any, body: Any) -> None:
    status, answer, _ = author_call(admin, "POST", "/api/admin/posts", body)
    assert status == 400, answer


def test_malformed_and_oversized_bodies(admin: Any, public: Any) -> None:
    assert author_call(admin, "POST", "/api/admin/posts", raw_body="{not json")[0] == 400
    huge = '{"slug": "big", "title": "t", "body": "' + "x" * 300_000 + '"}'
    assert author_call(admin, "POST", "/api/admin/posts", raw_body=huge)[0] == 413
    assert call(public, "POST", "/api/subscriptions", raw_body="[" * 100)[0] == 400


# -- reading ---------------------------------------------------------------------------------
def test_list_is_newest_first_filtered_and_paginated(cloud: Cloud, admin: Any, public: Any) -> None:
    for i in range(5):
        new_post(
            admin, f"p{i}", lang="en" if i % 2 == 0 else "de", tags=["even"] if i % 2 == 0 else []
        )
        publish(admin, f"p{i}")
        cloud.clock.advance(60)
    new_post(admin, "draft-only")
    status, page, headers = call(public, "GET", "/api/posts", query={"limit": "2"})
    assert status == 200 and [p["slug"] for p in page["items"]] == ["p4", "p3"]
    assert "max-age" in headers["cache-control"]
    status, page2, _ = call(
        public, "GET", "/api/posts", query={"limit": "2", "cursor": page["next"]}
    )
    assert [p["slug"] for p in page2["items"]] == ["p2", "p1"]
    _, en, _ = call(public, "GET", "/api/posts", query={"lang": "en"})
    assert [p["slug"] for p in en["items"]] == ["p4", "p2", "p0"]
    _, tagged, _ = call(
        public, "GET", "/api/posts", query={"tag": "even", "lang": "en", "limit": "1"}
    )
    assert [p["slug"] for p in tagged["items"]] == ["p4"]
    # A cursor of one listing is refused by another.
    status, body, _ = call(
        public, "GET", "/api/posts", query={"lang": "de", "cursor": page["next"]}
    )
    assert status == 400 and body["details"]["field"] == "cursor"
    assert call(public, "GET", "/api/posts/draft-only")[0] == 404


@pytest.mark.parametrize("query", [{"lang": "es"}, {"tag": "Not A Tag"}, {"cursor": "abc.def"},
                                   {"limit": "0"}, {"limit": "x"},
                                   {"cursor": "x" * 3000}])  # fmt: skip
def test_bad_list_queries_are_400(public: Any, query: dict[str, str]) -> None:
    assert call(public, "GET", "/api/posts", query=query)[0] == 400


# -- comments ------------------------------------------------------------------------------------
def test_comments_need_a_reader_and_are_sanitised_and_rate_limited(admin: Any, public: Any) -> None:
    new_post(admin, "talk")
    publish(admin, "talk")
    path = "/api/posts/talk/comments"
    assert call(public, "POST", path, {"body": "hi"})[0] == 401
    status, comment, _ = call(
        public, "POST", path, {"body": "<script>x</script>[a](javascript:x)"}, sub=READER
    )
    assert status == 201
    assert "<script" not in comment["html"] and "href" not in comment["html"]  # text, not a link
    assert call(public, "POST", path, {"body": "x" * 2001}, sub=READER)[0] == 400
    assert call(public, "POST", path, {"body": "  "}, sub=READER)[0] == 400
    for _ in range(2):
        assert call(public, "POST", path, {"body": "again"}, sub=READER)[0] == 201
    status, body, _ = call(public, "POST", path, {"body": "too many"}, sub=READER)
    assert status == 429 and body["error"] == "TooManyRequests"
    status, page, _ = call(public, "GET", path)
    assert status == 200 and len(page["items"]) == 3 and page["items"][0]["author"] == "Ada"
    assert call(public, "POST", "/api/posts/missing/comments", {"body": "x"}, sub=READER)[0] == 404


# -- subscriptions ---------------------------------------------------------------------------------
def test_subscribe_mails_a_confirm_link_that_confirms(cloud: Cloud, public: Any) -> None:
    status, body, _ = call(public, "POST", "/api/subscriptions",
                           {"email": "Ann@Example.COM", "name": "Ann", "lang": "fr"})  # fmt: skip
    assert status == 202, body
    mail = sent_mail(cloud)[-1]
    assert mail["to"] == ["ann@example.com"] and mail["template"] == "blog-test-welcome-fr"
    assert mail["name"] == "Ann"
    token = mail["confirm_url"].split("token=")[1]
    assert mail["confirm_url"].startswith("https://blog.example/api/subscriptions/confirm?token=")
    status, body, _ = call(public, "GET", "/api/subscriptions/confirm", query={"token": token})
    assert status == 200 and body == {"email": "ann@example.com", "status": "confirmed"}
    # Subscribing again once confirmed: same 202, no second mail.
    before = len(sent_mail(cloud))
    assert call(public, "POST", "/api/subscriptions", {"email": "ann@example.com"})[0] == 202
    assert len(sent_mail(cloud)) == before
    leave = mail["unsubscribe_url"].split("token=")[1]
    status, body, _ = call(public, "GET", "/api/subscriptions/unsubscribe", query={"token": leave})
    assert status == 200 and body["status"] == "unsubscribed"


def test_confirm_with_bad_tokens(cloud: Cloud, public: Any) -> None:
    call(public, "POST", "/api/subscriptions", {"email": "bo@example.com"})
    mail = sent_mail(cloud)[-1]
    confirm = mail["confirm_url"].split("token=")[1]
    leave = mail["unsubscribe_url"].split("token=")[1]
    path = "/api/subscriptions/confirm"
    assert call(public, "GET", path)[0] == 400  # missing
    assert call(public, "GET", path, query={"token": confirm[:-3]})[0] == 400  # forged
    assert call(public, "GET", path, query={"token": leave})[0] == 400  # another purpose
    cloud.clock.advance(8 * 24 * 3600)
    status, body, _ = call(public, "GET", path, query={"token": confirm})
    assert status == 400 and body["error"] == "ExpiredToken"


@pytest.mark.parametrize("body", [{"email": "not-an-address"}, {"email": "a@b"},
                                  {"email": "a@example.com", "lang": "es"},
                                  {"email": "a@example.com", "name": "<b>x</b>"},
                                  {"email": "a@example.com", "extra": 1}, {}])  # fmt: skip
def test_bad_subscriptions_are_400(public: Any, body: dict[str, Any]) -> None:
    assert call(public, "POST", "/api/subscriptions", body)[0] == 400


def test_bounce_suppresses_the_subscriber(cloud: Cloud, public: Any, deps: Any) -> None:
    from stratus.blog.subscribers import suppressed_recipients

    call(public, "POST", "/api/subscriptions", {"email": "bounce@example.com"})
    event = {"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
             "bouncedRecipients": [{"emailAddress": "bounce@EXAMPLE.com"}]}}  # fmt: skip
    store = deps.subscriptions()._store
    for email in suppressed_recipients(event):
        assert store.suppress(email)
    assert store.find("bounce@example.com").status == "suppressed"
    before = len(sent_mail(cloud))
    assert call(public, "POST", "/api/subscriptions", {"email": "bounce@example.com"})[0] == 202
    assert len(sent_mail(cloud)) == before
    transient = {
        "eventType": "Bounce",
        "bounce": {"bounceType": "Transient", "bouncedRecipients": []},
    }
    assert suppressed_recipients(transient) == []
