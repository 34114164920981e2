"""A post as an author keeps it: a Markdown file with a small front matter block.

    ---
    slug: hello-world          # default: the file name without `.md`
    title: Hello, world        # default: the first `# heading` of the body
    lang: en
    tags: [aws, travel]        # or: aws, travel
    translation_key: hello     # shared by a post's translations
    ---
    The body, in Markdown.

Only `key: value` lines (no nesting), so no YAML parser is needed and nothing surprising
(anchors, type coercion) happens; unknown keys are an error naming them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEYS = ("slug", "title", "lang", "tags", "translation_key")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


class SourceError(Exception):
    """The file cannot be a post; the message says why."""


@dataclass
class PostSource:
    slug: str
    title: str
    body: str
    lang: str | None = None
    tags: list[str] = field(default_factory=list)
    translation_key: str | None = None

    def fields(self) -> dict[str, Any]:
        """The API body for PUT (no slug); `create_body` adds it for POST."""
        out: dict[str, Any] = {"title": self.title, "body": self.body, "tags": self.tags}
        if self.lang:
            out["lang"] = self.lang
        if self.translation_key:
            out["translation_key"] = self.translation_key
        return out

    def create_body(self) -> dict[str, Any]:
        return {"slug": self.slug, **self.fields()}


def _tags(value: str) -> list[str]:
    inner = value.strip().removeprefix("[").removesuffix("]")
    return [t.strip().strip("'\"").lower() for t in inner.split(",") if t.strip().strip("'\"")]


def parse(text: str, default_slug: str) -> PostSource:
    meta: dict[str, str] = {}
    body = text
    lines = text.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() == "---":
                break
        else:
            raise SourceError("front matter starts with --- but never ends")
        for number, line in enumerate(lines[1:end], start=2):
            stripped = line.split(" #", 1)[0].strip()
            if not stripped:
                continue
            key, sep, value = stripped.partition(":")
            if not sep:
                raise SourceError(f"line {number}: expected `key: value`, got {stripped!r}")
            key = key.strip()
            if key not in KEYS:
                raise SourceError(f"line {number}: unknown key {key!r} (known: {', '.join(KEYS)})")
            meta[key] = value.strip().strip("'\"") if key != "tags" else value.strip()
        body = "".join(lines[end + 1 :])
    body = body.strip("\n") + "\n"
    title = meta.get("title")
    if not title:
        found = _HEADING.search(body)
        if not found:
            raise SourceError("no title: give `title:` in the front matter or start with `# …`")
        title = found.group(1)
    return PostSource(
        slug=meta.get("slug") or default_slug,
        title=title,
        body=body,
        lang=meta.get("lang") or None,
        tags=_tags(meta.get("tags", "")),
        translation_key=meta.get("translation_key") or None,
    )


def read(path: Path) -> PostSource:
    return parse(path.read_text(encoding="utf-8"), path.stem.lower())
