"""A text widget's Markdown as safe HTML: markdown-it-py renders, nh3 (Ammonia) cleans.

Two layers: markdown-it runs with raw HTML off (a `<script>` in the Markdown becomes text)
and rejects script URLs in links; nh3 keeps only an allow-list of tags, attributes and URL
schemes, so no event handler, style, script or frame can reach the dashboard page.
Markdown as the console's text widget reads it (CommonMark with tables,
https://docs.aws.amazon.com/general/latest/gr/aws-markdown.html).
"""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt

_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def to_html(markdown: str) -> str:
    return nh3.clean(
        _markdown().render(markdown),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
