"""The blog behind the local CloudFront edge, through the shared running cloud: language
choice by Lambda@Edge, pages from the private bucket through OAC with real caching and the
security headers, publishing that invalidates exactly its paths, the API under `/api/*`,
WAF blocks and the error page.

Requests go to `<edge>/_stratus/distributions/<id>/...` (no DNS needed); a redirect's
`Location` is the path CloudFront's viewer would follow on the distribution's own host.
"""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LocalCloudHandle, unique_email
from tests.integration.conftest import aws_client
from tests.integration.test_blog_api import _sign_in

pytestmark = pytest.mark.integration

SECURITY_HEADERS = (
    "strict-transport-security",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
)


@pytest.fixture(scope="module")
def distribution_id(local_cloud: LocalCloudHandle) -> str:
    return str(local_cloud.stack_output("DistributionId"))


@pytest.fixture(scope="module")
def site(local_cloud: LocalCloudHandle, distribution_id: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{local_cloud.edge_origin}/_stratus/distributions/{distribution_id}",
        verify=ssl.create_default_context(cafile=str(local_cloud.ca_pem)),
        timeout=35,
    ) as client:
        yield client


def _invalidate(cloud: LocalCloudHandle, distribution_id: str, *paths: str) -> None:
    aws_client(cloud, "cloudfront").create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": list(paths)},
            "CallerReference": secrets.token_hex(8),
        },
    )


def _cache(response: httpx.Response) -> str:
    return response.headers.get("x-cache", "").split(" ")[0]


def test_site_url_is_the_local_edge(local_cloud: LocalCloudHandle) -> None:
    url = str(local_cloud.stack_output("SiteUrl"))
    port = local_cloud.edge_origin.rsplit(":", 1)[1]
    assert url.startswith("https://d") and url.endswith(f".cloudfront.localhost:{port}/")


def test_home_redirects_to_the_language_of_accept_language_or_the_lang_cookie(
    site: httpx.Client,
) -> None:
    german = site.get("/", headers={"Accept-Language": "en;q=0.3, de-DE;q=0.9, fr;q=0.5"})
    assert german.status_code == 302 and german.headers["location"].endswith("/de/")
    assert german.headers["cache-control"] == "no-store"
    french = site.get("/", headers={"Accept-Language": "de", "Cookie": "theme=x; lang=fr"})
    assert french.headers["location"].endswith("/fr/")
    assert site.get("/").headers["location"].endswith("/en/")
    # A language-less page is rewritten, not redirected: the reader's language is served.
    page = site.get("/tags/meta/", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and page.headers["content-language"] == "fr"


def test_post_page_from_the_bucket_is_a_miss_then_a_hit_with_its_headers(
    local_cloud: LocalCloudHandle, site: httpx.Client, distribution_id: str
) -> None:
    _invalidate(local_cloud, distribution_id, "/de/posts/willkommen/*")
    first = site.get("/de/posts/willkommen/")
    assert first.status_code == 200, first.text
    assert _cache(first) == "Miss"
    assert first.headers["content-language"] == "de"
    assert '<html lang="de">' in first.text
    for header in SECURITY_HEADERS:
        assert header in first.headers, header
    assert "max-age=31536000" in first.headers["strict-transport-security"]
    assert first.headers["x-frame-options"] == "DENY"
    second = site.get("/de/posts/willkommen/", headers={"Accept-Language": "fr"})
    assert _cache(second) == "Hit" and second.content == first.content  # header not in key
    assert int(second.headers["age"]) >= 0


def test_publishing_invalidates_exactly_its_paths(
    local_cloud: LocalCloudHandle, site: httpx.Client, distribution_id: str
) -> None:
    author = _sign_in(local_cloud, unique_email("edge-author"), author=True)
    for path in ("/en/", "/fr/posts/bienvenue/"):
        site.get(path)
        assert _cache(site.get(path)) == "Hit", path
    slug = f"edge-{secrets.token_hex(3)}"
    tag = f"t{secrets.token_hex(3)}"
    body = {"slug": slug, "title": "Fresh from the edge", "lang": "en", "tags": [tag],
            "body": "Published *through* CloudFront."}  # fmt: skip
    # The authors' API through the edge: POST allowed, Authorization forwarded.
    created = site.post("/api/admin/posts", json=body, headers=author)
    assert created.status_code == 201, created.text
    published = site.post(f"/api/admin/posts/{slug}/publish", headers=author)
    assert published.status_code == 200, published.text
    changed = set(published.json()["changed"])
    invalidations = aws_client(local_cloud, "cloudfront").list_invalidations(
        DistributionId=distribution_id
    )["InvalidationList"]["Items"]
    newest = max(invalidations, key=lambda i: i["CreateTime"])
    batch = aws_client(local_cloud, "cloudfront").get_invalidation(
        DistributionId=distribution_id, Id=newest["Id"]
    )["Invalidation"]["InvalidationBatch"]
    expected = changed | {p.removesuffix("index.html") for p in changed} | {"/api/posts*"}
    assert set(batch["Paths"]["Items"]) == expected
    index = site.get("/en/")
    assert _cache(index) == "Miss" and slug in index.text
    post = site.get(f"/en/posts/{slug}/")
    assert post.status_code == 200 and "Fresh from the edge" in post.text
    assert _cache(site.get("/fr/posts/bienvenue/")) == "Hit"  # another language: untouched
    listed = site.get("/api/posts", params={"lang": "en", "tag": tag})
    assert [p["slug"] for p in listed.json()["items"]] == [slug]
    site.post(f"/api/admin/posts/{slug}/unpublish", headers=author)


def test_api_posts_through_the_edge(site: httpx.Client) -> None:
    listed = site.get("/api/posts", params={"lang": "de"})
    assert listed.status_code == 200, listed.text
    assert "willkommen" in [p["slug"] for p in listed.json()["items"]]
    assert listed.headers["cache-control"].startswith("public")
    assert "x-cache" in listed.headers and "content-security-policy" in listed.headers
    one = site.get("/api/posts/welcome")
    assert one.status_code == 200 and one.json()["slug"] == "welcome"


def test_waf_blocks_sql_injection_and_oversized_query_strings(site: httpx.Client) -> None:
    injected = site.get("/api/posts", params={"tag": "1' OR '1'='1' --"})
    assert injected.status_code == 403
    assert site.get("/en/", params={"q": "a" * 3000}).status_code == 403
    assert site.get("/api/posts", params={"tag": "meta"}).status_code == 200


def test_missing_page_is_the_404_error_page(site: httpx.Client) -> None:
    missing = site.get("/en/posts/no-such-post/")
    assert missing.status_code == 404
    assert "Page not found" in missing.text and "text/html" in missing.headers["content-type"]
    assert "content-security-policy" in missing.headers
