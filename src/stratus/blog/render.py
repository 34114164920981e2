"""Markdown to safe HTML: markdown-it-py renders, nh3 (the Ammonia sanitiser) cleans.

Two layers, on purpose. markdown-it runs with raw HTML *off* (an author's `<script>` becomes
text) and its own link validation (no `javascript:`, `vbscript:`, `file:` or non-image
`data:` URLs); nh3 then keeps only an allow-list of tags, attributes and URL schemes, so a
bug or a future option in the renderer still cannot emit an event handler, a `style`, an
`<svg>`/`<math>` payload or a script URL. Comments get a narrower list than posts (no
images, headings or tables) and `rel="nofollow ugc"` links.

Photos from the pipeline (`![alt](/photos/<id>/<width>.<ext>)`) get `srcset` and `sizes`
after sanitising, built here from the path alone: the pipeline makes every configured width
up to the original's, so a variant of width W implies each smaller configured width exists.
Nothing the author wrote reaches those attributes but the id and width the pattern matched.
"""

from __future__ import annotations

import functools
import html
import re

import nh3
from markdown_it import MarkdownIt

from stratus.blog.photos.config import DEFAULT_WIDTHS

_URL_SCHEMES = {"http", "https", "mailto"}
_POST_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_COMMENT_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "i", "li", "ol", "p", "pre", "s",
    "strong", "ul",
}  # fmt: skip
_POST_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},  # fenced code's `language-xyz`
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_COMMENT_ATTRIBUTES = {"a": {"href", "title"}}
_TAG_RE = re.compile(r"<[^>]*>")
_PHOTO_IMG = re.compile(
    r'<img src="(?P<base>/photos/(?P<id>[0-9a-f]{32})/)(?P<width>[1-9][0-9]{0,4})'
    r'\.(?P<ext>jpg|webp|avif)"'
)
# The site's column: 42rem wide with 1rem padding each side (templates/assets/site.css).
PHOTO_SIZES = "(max-width: 42rem) calc(100vw - 2rem), 40rem"
_SPACE_RE = re.compile(r"\s+")


@functools.cache
def _markdown() -> MarkdownIt:
    # "commonmark" with raw HTML off; tables and strikethrough as authors expect from GFM.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def _responsive(match: re.Match[str]) -> str:
    base, width, ext = match["base"], int(match["width"]), match["ext"]
    widths = [w for w in DEFAULT_WIDTHS if w < width] + [width]
    srcset = ", ".join(f"{base}{w}.{ext} {w}w" for w in widths)
    return f'{match[0]} srcset="{srcset}" sizes="{PHOTO_SIZES}" loading="lazy" decoding="async"'


def render_post(markdown: str) -> str:
    """A post's Markdown body as sanitised HTML, pipeline photos made responsive."""
    raw = _markdown().render(markdown)
    return _PHOTO_IMG.sub(_responsive, _clean_post(raw))


def _clean_post(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=_POST_TAGS,
        attributes=_POST_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_comment(markdown: str) -> str:
    """A reader's comment as sanitised HTML (narrower than posts; links are `nofollow ugc`)."""
    raw = _markdown().render(markdown)
    return nh3.clean(
        raw,
        tags=_COMMENT_TAGS,
        attributes=_COMMENT_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
        strip_comments=True,
    )


def plain_text(fragment: str) -> str:
    """Sanitised HTML to one line of text (for summaries and feeds' descriptions)."""
    return _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", fragment))).strip()


def summary(fragment: str, limit: int = 280) -> str:
    """The first `limit` characters of the text, cut at a word, with an ellipsis if cut."""
    text = plain_text(fragment)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"
