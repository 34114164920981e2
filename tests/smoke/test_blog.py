"""The blog stage answers: its public API lists the sample posts the stack seeds."""

from __future__ import annotations

import httpx


def test_blog_api_lists_the_seeded_posts(blog_api: httpx.Client) -> None:
    response = blog_api.get("api/posts", params={"lang": "en"})
    assert response.status_code == 200, response.text
    assert response.json()["items"], response.text
