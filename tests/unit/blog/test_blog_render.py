"""Markdown rendering and sanitising: what authors and readers write cannot run in a page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from stratus.blog.render import PHOTO_SIZES, render_comment, render_post, summary

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)" onclick="alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](<javascript:alert(1)>)",
    '<details open ontoggle="alert(1)">',
]
SAFE_TAGS = {"a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "hr", "i",
             "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead",
             "tr", "ul"}  # fmt: skip


class _Elements(HTMLParser):
    """Every live element and attribute of a fragment (escaped text is not an element)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("markdown", ATTACKS)
@pytest.mark.parametrize("render", [render_post, render_comment])
def test_malicious_markdown_is_neutralised(markdown: str, render: object) -> None:
    html = render(markdown)  # type: ignore[operator]
    for tag, attrs in elements(html):
        assert tag in SAFE_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name in ("href", "src"):
                assert (value or "").split(":", 1)[0].lower() in ("http", "https", "mailto"), html


def test_post_markdown_renders_headings_tables_code_and_safe_links() -> None:
    html = render_post(
        "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```\n\n"
        '[docs](https://example.org "t") ![pic](https://example.org/p.png)'
    )
    assert "<h1>Title</h1>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert '<code class="language-python">' in html
    assert '<a href="https://example.org" title="t" rel="noopener noreferrer">docs</a>' in html
    assert '<img src="https://example.org/p.png" alt="pic">' in html


def test_comments_have_no_images_or_headings_and_nofollow_links() -> None:
    html = render_comment("# big\n\n![i](https://example.org/i.png) [l](https://example.org)")
    assert "<h1>" not in html and "<img" not in html
    assert 'rel="nofollow ugc noopener noreferrer"' in html


def test_summary_is_plain_text_cut_at_a_word() -> None:
    html = render_post("Hello **world** & <b>friends</b>. " + "word " * 100)
    text = summary(html, 60)
    assert text.startswith("Hello world & <b>friends</b>.")
    assert len(text) <= 60 and text.endswith("…")


PHOTO = "0123456789abcdef0123456789abcdef"


def test_pipeline_photos_get_srcset_of_the_smaller_variants_and_sizes() -> None:
    html = render_post(f"![Beach](/photos/{PHOTO}/1280.jpg)")
    base = f"/photos/{PHOTO}/"
    assert (
        f'<img src="{base}1280.jpg" srcset="{base}320.jpg 320w, {base}640.jpg 640w, '
        f'{base}1280.jpg 1280w" sizes="{PHOTO_SIZES}" loading="lazy" decoding="async" '
        'alt="Beach">'
    ) in html
    small = render_post(f"![x](/photos/{PHOTO}/200.webp)")  # an original under 320 px
    assert f'srcset="{base}200.webp 200w"' in small


def test_other_images_and_lookalikes_get_no_srcset() -> None:
    for markdown in (
        "![x](https://example.org/photos/a/1280.jpg)",
        f"![x](/photos/{PHOTO}/1280.png)",
        "![x](/photos/not-an-id/1280.jpg)",
        f'![x](</photos/{PHOTO}/1280.jpg" onerror="alert(1)>)',
    ):
        html = render_post(markdown)
        assert "<img" in html and "srcset" not in html and 'onerror="' not in html, html
