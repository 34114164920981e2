"""The viewer-request Lambda@Edge: www redirect, language choice, page URIs."""

from __future__ import annotations

from typing import Any

import pytest

from stratus.blog.edge.viewer_request import handler, language


def _headers(**values: str) -> dict[str, list[dict[str, str]]]:
    return {k.replace("_", "-"): [{"key": k, "value": v}] for k, v in values.items()}


def _run(uri: str, query: str = "", **headers: str) -> dict[str, Any]:
    request = {"uri": uri, "querystring": query, "method": "GET", "headers": _headers(**headers)}
    return handler({"Records": [{"cf": {"request": request}}]}, None)


@pytest.mark.parametrize(
    ("accept", "cookie", "expected"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.8", "", "fr"),
        ("en;q=0.5, de;q=0.9", "", "de"),
        ("es, de;q=0.1", "", "de"),
        ("de;q=0, fr;q=0.2", "", "fr"),
        ("es, it", "", "en"),
        ("", "", "en"),
        ("de", "theme=dark; lang=fr", "fr"),
        ("de", "lang=xx", "de"),
        ("de;q=bad, fr;q=0.5", "", "fr"),
    ],
)
def test_language_from_cookie_then_q_values(accept: str, cookie: str, expected: str) -> None:
    headers = {}
    if accept:
        headers["accept-language"] = [{"key": "Accept-Language", "value": accept}]
    if cookie:
        headers["cookie"] = [{"key": "Cookie", "value": cookie}]
    assert language(headers) == expected


def test_home_redirects_to_the_readers_language_uncached() -> None:
    answer = _run("/", accept_language="de-DE,de;q=0.9")
    assert answer["status"] == "302"
    assert answer["headers"]["location"][0]["value"] == "/de/"
    assert answer["headers"]["cache-control"][0]["value"] == "no-store"


def test_www_redirects_permanently_to_the_apex_keeping_path_and_query() -> None:
    answer = _run("/fr/posts/x/", "a=1", host="www.myblog.example")
    assert answer["status"] == "301"
    assert answer["headers"]["location"][0]["value"] == "https://myblog.example/fr/posts/x/?a=1"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/fr/", "/fr/index.html"),
        ("/fr/posts/bienvenue/", "/fr/posts/bienvenue/index.html"),
        ("/fr/posts/bienvenue", "/fr/posts/bienvenue/index.html"),
        ("/fr/feed.xml", "/fr/feed.xml"),
        ("/posts/bienvenue/", "/fr/posts/bienvenue/index.html"),
        ("/tags/meta", "/fr/tags/meta/index.html"),
        ("/index.html", "/index.html"),
        ("/404.html", "/404.html"),
        ("/static/site.css", "/static/site.css"),
    ],
)
def test_page_uris_are_rewritten_to_their_language_object(uri: str, expected: str) -> None:
    answer = _run(uri, accept_language="fr", host="myblog.example")
    assert answer["uri"] == expected
