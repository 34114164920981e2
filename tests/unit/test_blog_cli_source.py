"""`stratus blog post` reads a Markdown file with a small front matter block."""

from __future__ import annotations

import pytest

from stratus.cli.blog.source import SourceError, parse


def test_front_matter_gives_slug_title_language_tags_and_translation() -> None:
    text = (
        "---\nslug: hello-world\ntitle: 'Hello, world'\nlang: fr  # French\n"
        "tags: [AWS, travel]\ntranslation_key: hello\n---\n\nBody *here*.\n"
    )
    source = parse(text, "file-name")
    assert source.create_body() == {
        "slug": "hello-world", "title": "Hello, world", "body": "Body *here*.\n",
        "tags": ["aws", "travel"], "lang": "fr", "translation_key": "hello",
    }  # fmt: skip


def test_without_front_matter_the_file_name_and_first_heading_are_used() -> None:
    source = parse("# A title #\n\ntext\n", "my-post")
    assert (source.slug, source.title, source.tags, source.lang) == ("my-post", "A title", [], None)
    assert "lang" not in source.fields()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: x\n", "never ends"),
        ("---\ncolour: red\n---\n# t\n", "unknown key 'colour'"),
        ("---\njust words\n---\n# t\n", "expected `key: value`"),
        ("no heading at all\n", "no title"),
    ],
)
def test_bad_files_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse(text, "x")
